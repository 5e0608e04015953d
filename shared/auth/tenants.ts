import type { Config } from '../config';
import { guid } from './caller';

/**
 * Which tenants a token may come from. An Entra issuer names its tenant
 * (`https://sts.windows.net/{tid}/`, `https://login.microsoftonline.com/{tid}/v2.0`, and the same
 * shapes on a national cloud's host), and every token it issues carries that tenant in `tid`: a token
 * whose `tid` differs from its issuer's tenant is never a valid Entra token. On top of that, when
 * tenants are configured (AUTH_TENANT_ID, or the one tenant of the Entra issuers in AUTH_ISSUER),
 * `tid` must be one of them, whatever the issuer.
 */

/** `/{tid}/` is the v1 shape, `/{tid}/v2.0` the v2 one. */
const ENTRA_ISSUER = /^https:\/\/[^/]+\/([0-9a-fA-F-]{36})\/(?:v2\.0)?$/;

/** The tenant an issuer of Entra's shape names, lower case; undefined for any other issuer. */
export function entraIssuerTenant(issuer: string): string | undefined {
  const match = ENTRA_ISSUER.exec(issuer);
  return match ? guid(match[1]) : undefined;
}

/** Whether a verified token's `tid` fits its issuer and the accepted tenants. */
export function tenantAccepted(auth: Config['auth'], issuer: string, tid: string | undefined): boolean {
  const issuerTenant = entraIssuerTenant(issuer);
  if (issuerTenant !== undefined && tid !== issuerTenant) return false;
  return auth.tenantIds.length === 0 || (tid !== undefined && auth.tenantIds.includes(tid));
}

/** The start-up line that names the accepted tenants (tenant ids are not secrets). */
export function acceptedTenantsLine(auth: Config['auth']): string {
  if (auth.tenantIds.length > 0)
    return `Accepted tenants: ${auth.tenantIds.join(', ')} (a token's tid must be one of them, and its issuer's tenant when the issuer is Entra's)`;
  return `Accepted tenants: not pinned: AUTH_TENANT_ID is not set and no Entra issuer is configured, so a token's tid is whatever its issuer (${auth.issuers.join(', ')}) states`;
}
