import { randomUUID } from 'node:crypto';
import { getConfig } from '../../shared/config';
import { AUTHENTICATION_ADMINISTRATOR, type DevIssuer } from '../devIssuer';
import type { RegisteredFunction } from './functionHost';
import { DEFAULT_PORT } from './startupError';

interface BannerInput {
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
    `  OpenAPI: GET ${url}/openapi.json`,
    '',
    ...functions.map((fn) => `  ${fn.name}: ${fn.methods.join(',')} ${url}/${fn.route.template}`),
  ];
  if (!devIssuer) return lines.join('\n');

  const admin = await devIssuer.mint({
    scp: 'UserAuthenticationMethod.ReadWrite.All',
    wids: [AUTHENTICATION_ADMINISTRATOR],
  });
  const selfOid = randomUUID();
  const self = await devIssuer.mint({ oid: selfOid, scp: 'User.ReadWrite', wids: [] });
  const targetUser = randomUUID();
  lines.push(
    '',
    'Phone authentication method for another user (delegated Authentication Administrator token):',
    curlCommand(
      `${baseUrl}/users/${targetUser}/authentication/phoneMethods`,
      admin,
      '{"phoneNumber":"+1 2065550100","phoneType":"mobile"}',
    ),
    '',
    `Phone on your own profile (User.ReadWrite token of user ${selfOid}):`,
    curlCommand(`${baseUrl}/users/${selfOid}/profile/phones`, self, '{"number":"+1 (425) 555-0100","type":"business"}'),
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
