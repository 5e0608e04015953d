import { getConfig } from '../../shared/config';
import type { DevIssuer } from '../devIssuer';
import { routeLines } from './bannerRoutes';
import { DEV_TOKEN_PRESETS, SAMPLE_USER_ID } from './devTokenPresets';
import type { RegisteredFunction } from './functionHost';
import { DEFAULT_PORT } from './startupError';

export interface BannerInput {
  url: string;
  baseUrl: string;
  functions: RegisteredFunction[];
  devIssuer?: DevIssuer;
  embeddedCosmos: boolean;
}

/** What a developer needs to make a first call: the routes and, with the dev issuer, tokens and curl lines. */
export async function bannerFor({ url, baseUrl, functions, devIssuer, embeddedCosmos }: BannerInput): Promise<string> {
  const lines = [
    `graph-phones local server on ${url}`,
    `  storage: ${embeddedCosmos ? 'embedded Cosmos-compatible server (in memory, gone at exit)' : process.env.COSMOS_ENDPOINT}`,
    `  tokens:  ${devIssuer ? `development issuer ${devIssuer.issuer} (audience ${devIssuer.audience})` : `configured issuer (${getConfig().auth.issuers.join(', ')})`}`,
    `  SMS sign-in policy: ${getConfig().smsSignInEnabled ? 'on' : 'off'} (SMS_SIGN_IN_ENABLED)`,
    `  API page: ${url}/   (OpenAPI: ${url}/openapi.json)`,
    '',
    ...routeLines(functions),
  ];
  if (!devIssuer) return lines.join('\n');

  const preset = (id: string) => DEV_TOKEN_PRESETS.find((candidate) => candidate.id === id)!;
  const admin = await devIssuer.mint(preset('admin').request);
  const self = await devIssuer.mint(preset('user').request);
  lines.push(
    '',
    `Phone authentication method for user ${SAMPLE_USER_ID} (${preset('admin').label}):`,
    curlCommand(
      `${baseUrl}/users/${SAMPLE_USER_ID}/authentication/phoneMethods`,
      admin,
      '{"phoneNumber":"+1 2065550100","phoneType":"office"}',
    ),
    '',
    `Phone on your own profile (${preset('user').label}):`,
    curlCommand(
      `${baseUrl}/users/${SAMPLE_USER_ID}/profile/phones`,
      self,
      '{"number":"+1 (425) 555-0100","type":"business"}',
    ),
    '',
    moreTokensLine(url),
  );
  return lines.join('\n');
}

/** `npm run token` asks http://127.0.0.1:$PORT (else 7071); on any other address the command names the server. */
export function moreTokensLine(url: string): string {
  return url === `http://127.0.0.1:${DEFAULT_PORT}`
    ? 'More tokens: npm run token   (options: npm run token -- --help)'
    : `More tokens: npm run token -- --server ${url}   (options: npm run token -- --help)`;
}

function curlCommand(url: string, token: string, body: string): string {
  return `curl -i -X POST '${url}' -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${body}'`;
}
