import type { JWTPayload } from 'jose';
import { invalidToken } from '../http/graphErrors';

/**
 * The verified caller, reduced to what authorization and auditing need. Never logged whole.
 *
 * A Caller is frozen and its sets refuse changes: the token verifier caches Callers and hands the same
 * object to every request that presents the same token, so no request may alter one.
 */
export interface Caller {
  readonly kind: 'delegated' | 'app';
  /** The token's tenant (`tid`), a lower-case GUID, when the token carries one. */
  readonly tenantId?: string;
  /** The signed-in user's (delegated) or the service principal's (app) object id: a lower-case GUID. */
  readonly objectId: string;
  /** The signed-in user's principal name, when the token carries a plausible one. */
  readonly userPrincipalName?: string;
  /** Plain text (no control or format characters), at most 256 characters, never empty. */
  readonly displayName?: string;
  /** The client application's id (`azp` or `appid`), a lower-case GUID. */
  readonly appId?: string;
  /** Plain text (no control or format characters), at most 256 characters, never empty. */
  readonly appDisplayName?: string;
  /** Delegated permissions (`scp`). */
  readonly scopes: ReadonlySet<string>;
  /** Application permissions (`roles`); only meaningful for app tokens. */
  readonly roles: ReadonlySet<string>;
  /** Directory role template ids (`wids`), lower case. */
  readonly directoryRoles: ReadonlySet<string>;
}

/** The longest display name the model accepts (`plainText(256)` in shared/models/graphTypes.ts). */
export const MAX_DISPLAY_NAME_LENGTH = 256;
/** Entra limits a user principal name to 113 characters (64 before the `@`, 48 after). */
export const MAX_USER_PRINCIPAL_NAME_LENGTH = 113;

/** What the model's `plainText` refuses: control, format and (lone) surrogate code points. */
const NOT_PLAIN = /[\p{Cc}\p{Cf}\p{Cs}]/gu;
/** A user principal name: `local@domain`, no whitespace, control or format characters. */
const USER_PRINCIPAL_NAME = /^[^\s@\p{Cc}\p{Cf}\p{Cs}]+@[^\s@\p{Cc}\p{Cf}\p{Cs}]+$/u;

function refuseChange(): never {
  throw new TypeError('A Caller cannot be changed.');
}

const refused = { value: refuseChange, enumerable: false, writable: false, configurable: false };
/** Set.prototype with mutators that throw: `ReadonlySet` is only a compile-time promise. */
const FROZEN_SET_PROTOTYPE = Object.create(Set.prototype, { add: refused, delete: refused, clear: refused }) as object;

/**
 * A real Set (instanceof Set, same constructor) whose add/delete/clear throw. Built as a plain Set
 * and re-parented: a subclass of Set costs several times more to construct.
 */
function frozenSet(items: readonly string[]): ReadonlySet<string> {
  const set = new Set(items);
  Object.setPrototypeOf(set, FROZEN_SET_PROTOTYPE);
  return Object.freeze(set);
}

const EMPTY: ReadonlySet<string> = frozenSet([]);

/**
 * A GUID claim (8-4-4-4-12 hex digits, no braces), lower case; `undefined` when absent or anything
 * else. A character loop: on every cache miss it runs for oid, tid and azp, and costs a fifth of a
 * case-insensitive regular expression plus toLowerCase.
 */
export function guid(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length !== 36) return undefined;
  let upper = false;
  for (let i = 0; i < 36; i += 1) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return undefined; // -
    } else if (c >= 0x41 && c <= 0x46) {
      upper = true; // A-F
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return undefined; // not 0-9 or a-f
    }
  }
  return upper ? value.toLowerCase() : value;
}

/**
 * A display name brought within the model's rules: control and format characters removed, trimmed,
 * cut to 256 characters (never between the halves of a surrogate pair); empty gives `undefined`.
 */
export function plainDisplayName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value.length > 4 * MAX_DISPLAY_NAME_LENGTH ? value.slice(0, 4 * MAX_DISPLAY_NAME_LENGTH) : value;
  NOT_PLAIN.lastIndex = 0;
  if (NOT_PLAIN.test(text)) text = text.replace(NOT_PLAIN, '');
  text = text.trim();
  if (text.length > MAX_DISPLAY_NAME_LENGTH) {
    const last = text.charCodeAt(MAX_DISPLAY_NAME_LENGTH - 1);
    text = text
      .slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_DISPLAY_NAME_LENGTH - 1 : MAX_DISPLAY_NAME_LENGTH)
      .trimEnd();
  }
  return text.length > 0 ? text : undefined;
}

function userPrincipalName(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_USER_PRINCIPAL_NAME_LENGTH && USER_PRINCIPAL_NAME.test(value)
    ? value
    : undefined;
}

function textSet(value: unknown, lowerCase: boolean): ReadonlySet<string> {
  if (!Array.isArray(value) || value.length === 0) return EMPTY;
  const items: string[] = [];
  for (const item of value)
    if (typeof item === 'string' && item.length > 0) items.push(lowerCase ? item.toLowerCase() : item);
  return items.length === 0 ? EMPTY : frozenSet(items);
}

function scopeSet(scp: string): ReadonlySet<string> {
  const items = scp.split(' ').filter((scope) => scope.length > 0);
  return items.length === 0 ? EMPTY : frozenSet(items);
}

/**
 * Maps verified claims to a Caller. The signature proves who issued the claims, not that their values
 * are well formed, so each is checked here:
 * - `oid` must be a GUID string (it becomes a partition key, part of a URL and the "own account"
 *   comparison), `tid` too when present: anything else is a 401 InvalidAuthenticationToken;
 * - `azp`/`appid` are kept only when they are GUIDs, `upn`/`preferred_username` only when they look
 *   like a user principal name of at most 113 characters;
 * - `name` and `app_displayname` are made plain text of at most 256 characters (they are stored in
 *   `createdBy`/`lastModifiedBy`).
 *
 * App-only tokens say so with `idtyp: "app"` (optional claim); without it, an Entra app token is
 * recognized by having no `scp` and `oid == sub`.
 */
export function callerFromClaims(claims: JWTPayload): Caller {
  const objectId = guid(claims.oid);
  if (objectId === undefined) {
    throw invalidToken('Access token validation failure. The token has no valid object id.', true);
  }
  let tenantId: string | undefined;
  if (claims.tid !== undefined) {
    tenantId = guid(claims.tid);
    if (tenantId === undefined) throw invalidToken('Access token validation failure. Invalid tenant.', true);
  }
  const scp = typeof claims.scp === 'string' && claims.scp.length > 0 ? claims.scp : undefined;
  const isApp = claims.idtyp === 'app' || (scp === undefined && claims.oid === claims.sub);
  const caller: Caller = {
    kind: isApp ? 'app' : 'delegated',
    tenantId,
    objectId,
    userPrincipalName: isApp
      ? undefined
      : (userPrincipalName(claims.upn) ?? userPrincipalName(claims.preferred_username)),
    displayName: plainDisplayName(claims.name),
    appId: guid(claims.azp) ?? guid(claims.appid),
    appDisplayName: plainDisplayName(claims.app_displayname),
    scopes: isApp || scp === undefined ? EMPTY : scopeSet(scp),
    roles: isApp ? textSet(claims.roles, false) : EMPTY,
    directoryRoles: textSet(claims.wids, true),
  };
  return Object.freeze(caller);
}
