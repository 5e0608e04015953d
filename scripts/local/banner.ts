import { getConfig } from '../../shared/config';
import { directoryMode } from '../../shared/services';
import type { DevIssuer } from '../devIssuer';
import { routeLines } from './bannerRoutes';
import { SAMPLE_USERS, type DevDirectory } from './devDirectory';
import { DEV_TOKEN_PRESETS } from './devTokenPresets';
import type { RegisteredFunction } from './functionHost';
import { DEFAULT_PORT } from './startupError';

interface BannerInput {
  url: string;
  baseUrl: string;
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  /** Present when the development directory stands in for Microsoft Graph. */
  devDirectory?: DevDirectory;
  embeddedCosmos: boolean;
  /** The variable that let the development issuer run over configured storage (named in the warning). */
  devIssuerOptIn: string;
}

/** What a developer needs to make a first call: the routes and, with the dev issuer, tokens and curl lines. */
export async function bannerFor({
  url,
  baseUrl,
  functions,
  devIssuer,
  devDirectory,
  embeddedCosmos,
  devIssuerOptIn,
}: BannerInput): Promise<string> {
  const warning =
    devIssuer && !embeddedCosmos
      ? [
          '!'.repeat(100),
          `!! WARNING: ${devIssuerOptIn}=1: the DEVELOPMENT ISSUER is running over CONFIGURED STORAGE (${process.env.COSMOS_ENDPOINT}).`,
          '!! Any local process, under any OS user, can mint an Authentication Administrator token for it.',
          '!! Use this only with a disposable emulator; set AUTH_* for anything else.',
          '!'.repeat(100),
        ]
      : [];
  const lines = [
    ...warning,
    `graph-phones local server on ${url}`,
    `  storage: ${embeddedCosmos ? 'embedded Cosmos-compatible server (in memory, gone at exit)' : process.env.COSMOS_ENDPOINT}`,
    `  tokens:  ${devIssuer ? `development issuer ${devIssuer.issuer} (audience ${devIssuer.audience})` : `configured issuer (${getConfig().auth.issuers.join(', ')})`}`,
    devDirectory
      ? `  users:   development directory (in memory): ${SAMPLE_USERS.map((user) => user.userPrincipalName).join(', ')}, and every user a token is minted for`
      : `  users:   ${directoryMode(getConfig())}`,
    `  SMS sign-in policy: ${getConfig().smsSignInEnabled ? 'on' : 'off'} (SMS_SIGN_IN_ENABLED)`,
    `  API page: ${url}/   (OpenAPI: ${url}/openapi.json)`,
    '',
    ...routeLines(functions),
  ];
  if (!devIssuer) return lines.join('\n');

  const preset = (id: string) => DEV_TOKEN_PRESETS.find((candidate) => candidate.id === id)!;
  const admin = await devIssuer.mint(preset('admin').request);
  const self = await devIssuer.mint(preset('user').request);
  const [adele, alex] = SAMPLE_USERS;
  lines.push(
    '',
    `Phone authentication method for another user, by user principal name (${preset('admin').label}):`,
    curlCommand(
      `${baseUrl}/users/${alex!.userPrincipalName}/authentication/phoneMethods`,
      admin,
      '{"phoneNumber":"+1 2065550100","phoneType":"office"}',
    ),
    '',
    `Phone on your own profile, by your user principal name (${preset('user').label}):`,
    curlCommand(
      `${baseUrl}/users/${adele!.userPrincipalName}/profile/phones`,
      self,
      '{"number":"+1 (425) 555-0100","type":"business"}',
    ),
    '',
    moreTokensLine(url),
  );
  return lines.join('\n');
}

/** `npm run token` asks http://127.0.0.1:$PORT (else 7071); on any other address the command names the server. */
function moreTokensLine(url: string): string {
  return url === `http://127.0.0.1:${DEFAULT_PORT}`
    ? 'More tokens: npm run token   (options: npm run token -- --help)'
    : `More tokens: npm run token -- --server ${url}   (options: npm run token -- --help)`;
}

function curlCommand(url: string, token: string, body: string): string {
  return `curl -i -X POST '${url}' -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${body}'`;
}
