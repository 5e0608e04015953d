import type { DevIssuer, TokenRequest } from '../devIssuer';
import { AUTHENTICATION_ADMINISTRATOR } from '../devIssuer';

/**
 * One delegated token shape that may create on both endpoints for any user: other users' profiles
 * (`User.ReadWrite.All`) and other users' phone methods (scope plus Authentication Administrator).
 */
export const BENCH_TOKEN_REQUEST: TokenRequest = {
  scp: 'User.ReadWrite.All UserAuthenticationMethod.ReadWrite.All',
  wids: [AUTHENTICATION_ADMINISTRATOR],
};

/** A pool of distinct callers' tokens from the in-process development issuer. */
export function mintTokens(
  issuer: DevIssuer,
  count: number,
  request: TokenRequest = BENCH_TOKEN_REQUEST,
): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, () => issuer.mint(request)));
}

/**
 * One cold-start poll: a token from the server's development issuer endpoint, then one profile phone
 * create. True once it answers 201; any refusal, 503 "starting" or other status is false.
 */
export async function createdOnce(origin: string): Promise<boolean> {
  const tokenResponse = await fetch(`${origin}/dev-issuer/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_TOKEN_REQUEST),
  });
  if (tokenResponse.status !== 200) return false;
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  // A sample user of `npm start`'s development directory, by user principal name.
  const created = await fetch(`${origin}/beta/users/alex@contoso.example/profile/phones`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ number: '+1 206 555 0100', type: 'mobile' }),
  });
  await created.arrayBuffer();
  return created.status === 201;
}
