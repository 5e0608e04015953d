import * as permissionTable from '../auth/permissions';
import { PERMISSIONS, type PermissionRow } from '../auth/permissions';
import type { Operation } from '../http/operation';
import type { Registration } from '../http/pipeline';
import { compare, unique, type Json } from './json';

/* The accepted scopes and roles come from the permission table `authorize` enforces. */

const SECURITY_SCHEME = 'azureAdJwt';
/**
 * The same access token pasted as-is: OpenAPI tools (and the API page of `npm start`) send a token
 * they did not obtain through the OAuth flows only through an `http` bearer scheme. The permission
 * rules are those of the token's claims either way, so the requirement names no scopes.
 */
export const BEARER_SCHEME = 'bearerToken';

/**
 * Scopes and roles that can succeed on a registration, each once, in table order. On `/me` the caller
 * is the user acted on and app-only tokens have no user, so only the self rule applies.
 */
function acceptedPermissions(row: PermissionRow, me: boolean): string[] {
  const self = row.self?.scopes ?? [];
  return me ? unique(self) : unique([...self, ...row.others.scopes, ...(row.application ?? [])]);
}

/**
 * OpenAPI requires all scopes of one requirement object; the service wants any one, so one object per
 * scope. A registration no token can pass still needs a token, which an empty scope list says.
 */
export function securityRequirements(registration: Registration): Json[] {
  const accepted = acceptedPermissions(PERMISSIONS[registration.operation.permission], registration.me);
  const entra =
    accepted.length === 0 ? [{ [SECURITY_SCHEME]: [] }] : accepted.map((scope) => ({ [SECURITY_SCHEME]: [scope] }));
  return [...entra, { [BEARER_SCHEME]: [] }];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Directory role names from the constants the permission module exports (`GLOBAL_READER` is "Global Reader"). */
const DIRECTORY_ROLE_NAMES = new Map(
  (Object.entries(permissionTable) as Array<[string, unknown]>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && GUID.test(entry[1]))
    .map(([constant, id]) => [
      id,
      constant
        .split('_')
        .map((word) => word[0] + word.slice(1).toLowerCase())
        .join(' '),
    ]),
);
const roleName = (id: string) => {
  const name = DIRECTORY_ROLE_NAMES.get(id);
  return name ? `${name} (${id})` : id;
};

const oneOf = (names: readonly string[]) => unique(names).join(', ');

/** Restrictions the scope list cannot express (directory roles, self-service, app-only), as prose. */
export function permissionNotes({ operation, me }: Registration): string {
  const row: PermissionRow = PERMISSIONS[operation.permission];
  if (me) {
    return [
      row.self
        ? `Acts on the signed-in user. Delegated: one of ${oneOf(row.self.scopes)}.`
        : 'Users cannot perform this operation on their own account: every call is answered 403.',
      'Application-only tokens have no signed-in user: 400.',
    ].join(' ');
  }
  const { self, others, application } = row;
  return [
    self
      ? `Delegated, own account: one of ${oneOf(self.scopes)}.`
      : 'Delegated: users cannot perform this operation on their own account (403).',
    `Delegated, another user: one of ${oneOf(others.scopes)}` +
      (others.directoryRoles
        ? `, and one of the directory roles (wids) ${oneOf(others.directoryRoles.map(roleName))}.`
        : '.'),
    application
      ? `Application: one of the roles ${oneOf(application)}.`
      : 'Application-only tokens are not supported (403).',
  ].join(' ');
}

export function securitySchemes(operations: readonly Operation[]): Json {
  const rows = operations.map((operation) => ({
    name: operation.name,
    row: PERMISSIONS[operation.permission],
  }));
  const delegated = ({ row }: (typeof rows)[number]) => [...(row.self?.scopes ?? []), ...row.others.scopes];
  const application = ({ row }: (typeof rows)[number]) => [...(row.application ?? [])];
  const describe = (of: typeof delegated) =>
    Object.fromEntries(
      unique(rows.flatMap(of))
        .sort(compare)
        .map((scope) => [
          scope,
          `Accepted by: ${unique(rows.filter((entry) => of(entry).includes(scope)).map(({ name }) => name))
            .sort(compare)
            .join(', ')}`,
        ]),
    );
  const tokenUrl = 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token';
  return {
    [SECURITY_SCHEME]: {
      type: 'oauth2',
      description:
        'Microsoft Entra ID access token (RS256 JWT) for this API, sent as `Authorization: Bearer`. ' +
        'Replace `organizations` with the tenant id for client credentials.',
      flows: {
        authorizationCode: {
          authorizationUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize',
          tokenUrl,
          scopes: describe(delegated),
        },
        clientCredentials: { tokenUrl, scopes: describe(application) },
      },
    },
    [BEARER_SCHEME]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'An access token this API accepts, pasted as-is (from Entra ID, or from the development issuer of `npm start`). ' +
        'The scopes, roles and directory roles it must carry are those of the `azureAdJwt` requirements.',
    },
  };
}
