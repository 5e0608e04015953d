import { decodeJwt } from 'jose';
import type { Directory, DirectoryUser } from '../../shared/users/directory';
import { isSet } from './env';
import type { DevIssuer } from '../devIssuer';

/**
 * `npm start`'s development directory: the tenant's users, in memory, in place of Microsoft Graph.
 * It holds a few sample users (the banner lists them) and every user the development issuer mints a
 * token for, so the banner's and the README's curl lines can address users by user principal name.
 * The service resolves through it exactly as through Graph (same cache, same 404 for unknown users).
 */

/** The sample tenant: fixed ids, so README examples work as pasted. */
export const SAMPLE_USERS: readonly DirectoryUser[] = Object.freeze([
  { id: '8f0f2b5e-4c2a-4a55-9c55-7b6c1c0f6e11', userPrincipalName: 'adele@contoso.example' },
  { id: '5b2c7d1e-3f4a-4b6c-8d9e-0a1b2c3d4e5f', userPrincipalName: 'alex@contoso.example' },
  { id: 'c0ffee00-1234-4abc-9def-0123456789ab', userPrincipalName: 'megan_fabrikam.example#EXT#@contoso.example' },
]);

export class DevDirectory implements Directory {
  private readonly byKey = new Map<string, DirectoryUser>();

  constructor(users: readonly DirectoryUser[] = SAMPLE_USERS) {
    for (const user of users) this.add(user);
  }

  /** Adds a user (a user principal name names one user: a new holder takes it over). */
  add(user: DirectoryUser): void {
    const id = user.id.toLowerCase();
    const name = user.userPrincipalName.toLowerCase();
    const previous = this.byKey.get(id);
    if (previous) this.byKey.delete(previous.userPrincipalName.toLowerCase());
    const holder = this.byKey.get(name);
    if (holder) this.byKey.delete(holder.id);
    const stored = { id, userPrincipalName: user.userPrincipalName };
    this.byKey.set(id, stored);
    this.byKey.set(name, stored);
  }

  findUser(key: string): Promise<DirectoryUser | undefined> {
    return Promise.resolve(this.byKey.get(key.toLowerCase()));
  }
}

/**
 * Every delegated token the issuer mints (the banner's, `npm run token`'s) adds its user to the
 * directory, as Entra ID only issues tokens to users it has. App tokens name a service principal, not
 * a user, and add nothing.
 */
export function registerMintedUsers(issuer: DevIssuer, directory: DevDirectory): void {
  const mint = issuer.mint.bind(issuer);
  issuer.mint = async (request) => {
    const token = await mint(request);
    const claims = decodeJwt(token);
    const upn = claims.upn ?? claims.preferred_username;
    if (claims.idtyp !== 'app' && typeof claims.oid === 'string' && typeof upn === 'string') {
      directory.add({ id: claims.oid, userPrincipalName: upn });
    }
    return token;
  };
}

/**
 * The development directory when the development issuer runs and DIRECTORY_ENDPOINT is not set
 * (its tokens name users only it knows); otherwise none, and the configured directory is used.
 */
export function devDirectoryFor(issuer: DevIssuer | undefined): DevDirectory | undefined {
  if (!issuer || isSet('DIRECTORY_ENDPOINT')) return undefined;
  const directory = new DevDirectory();
  registerMintedUsers(issuer, directory);
  return directory;
}
