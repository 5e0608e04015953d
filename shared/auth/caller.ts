import type { JWTPayload } from 'jose';

/** The verified caller, reduced to what authorization and auditing need. Never logged whole. */
export interface Caller {
  kind: 'delegated' | 'app';
  tenantId?: string;
  /** The signed-in user's (delegated) or the service principal's (app) object id, lower case. */
  objectId: string;
  /** The signed-in user's principal name, when the token carries one. */
  userPrincipalName?: string;
  displayName?: string;
  appId?: string;
  appDisplayName?: string;
  /** Delegated permissions (`scp`). */
  scopes: ReadonlySet<string>;
  /** Application permissions (`roles`); only meaningful for app tokens. */
  roles: ReadonlySet<string>;
  /** Directory role template ids (`wids`). */
  directoryRoles: ReadonlySet<string>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const textList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/**
 * App-only tokens say so with `idtyp: "app"` (optional claim); without it, an Entra app token is
 * recognized by having no `scp` and `oid == sub`.
 */
export function callerFromClaims(claims: JWTPayload): Caller {
  const scp = text(claims.scp);
  const isApp = claims.idtyp === 'app' || (scp === undefined && claims.oid === claims.sub);
  return {
    kind: isApp ? 'app' : 'delegated',
    tenantId: text(claims.tid)?.toLowerCase(),
    objectId: String(claims.oid).toLowerCase(),
    userPrincipalName: isApp ? undefined : (text(claims.upn) ?? text(claims.preferred_username)),
    displayName: text(claims.name),
    appId: text(claims.azp) ?? text(claims.appid),
    appDisplayName: text(claims.app_displayname),
    scopes: new Set(isApp ? [] : (scp?.split(' ').filter(Boolean) ?? [])),
    roles: new Set(isApp ? textList(claims.roles) : []),
    directoryRoles: new Set(textList(claims.wids).map((id) => id.toLowerCase())),
  };
}
