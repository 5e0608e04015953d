import { accessDenied } from '../http/graphErrors';
import type { Caller } from './caller';

/** Directory role template ids (`wids`) that the permission rows name. */
export const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
export const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
export const AUTHENTICATION_ADMINISTRATOR = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
export const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';

interface DelegatedRule {
  /** One of these must be in `scp`. */
  scopes: readonly string[];
  /** When set, one of these must also be in `wids`. */
  directoryRoles?: readonly string[];
}

/** Who may run one kind of operation; `null` means never. */
export interface PermissionRow {
  /** The signed-in user acting on their own account. */
  self: DelegatedRule | null;
  /** The signed-in user acting on another user of the tenant. */
  others: DelegatedRule;
  /** App-only callers: one of these must be in `roles`. */
  application: readonly string[] | null;
}

const ADMINISTRATORS = [AUTHENTICATION_ADMINISTRATOR, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR];
const PHONE_METHOD_WRITE_ALL = ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-Phone.ReadWrite.All'];
const PHONE_METHOD_WRITE = [
  'UserAuthMethod-Phone.ReadWrite',
  'UserAuthenticationMethod.ReadWrite',
  ...PHONE_METHOD_WRITE_ALL,
];
const PHONE_METHOD_READ_ALL = [
  'UserAuthMethod-Phone.Read.All',
  'UserAuthenticationMethod.Read.All',
  ...PHONE_METHOD_WRITE_ALL,
];
const PHONE_METHOD_READ = [
  'UserAuthMethod-Phone.Read',
  'UserAuthenticationMethod.Read',
  ...PHONE_METHOD_WRITE,
  ...PHONE_METHOD_READ_ALL,
];
/** `/authentication/methods`: Graph's UserAuthenticationMethod family only, not the phone-only scopes. */
const AUTHENTICATION_METHOD_READ_ALL = ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
const AUTHENTICATION_METHOD_READ = [
  'UserAuthenticationMethod.Read',
  'UserAuthenticationMethod.ReadWrite',
  ...AUTHENTICATION_METHOD_READ_ALL,
];
const PHONE_METHOD_ADMIN_WRITE: DelegatedRule = { scopes: PHONE_METHOD_WRITE, directoryRoles: ADMINISTRATORS };

/** The permission table, one row per kind of operation, as data. `authorize` is its only reader. */
export const PERMISSIONS = {
  profilePhonesRead: {
    self: { scopes: ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All'] },
    others: { scopes: ['User.Read.All', 'User.ReadWrite.All'] },
    application: ['User.Read.All', 'User.ReadWrite.All'],
  },
  profilePhonesWrite: {
    self: { scopes: ['User.ReadWrite', 'User.ReadWrite.All'] },
    others: { scopes: ['User.ReadWrite.All'] },
    application: null,
  },
  phoneMethodsRead: {
    self: { scopes: PHONE_METHOD_READ },
    others: { scopes: PHONE_METHOD_READ_ALL, directoryRoles: [GLOBAL_READER, ...ADMINISTRATORS] },
    application: PHONE_METHOD_READ_ALL,
  },
  authenticationMethodsRead: {
    self: { scopes: AUTHENTICATION_METHOD_READ },
    others: { scopes: AUTHENTICATION_METHOD_READ_ALL, directoryRoles: [GLOBAL_READER, ...ADMINISTRATORS] },
    application: AUTHENTICATION_METHOD_READ_ALL,
  },
  // Users cannot add or change phone methods of their own account through this API.
  phoneMethodsWrite: { self: null, others: PHONE_METHOD_ADMIN_WRITE, application: PHONE_METHOD_WRITE_ALL },
  phoneMethodsDelete: {
    self: { scopes: PHONE_METHOD_WRITE },
    others: PHONE_METHOD_ADMIN_WRITE,
    application: PHONE_METHOD_WRITE_ALL,
  },
  smsSignIn: {
    self: { scopes: ['UserAuthenticationMethod.ReadWrite', 'UserAuthenticationMethod.ReadWrite.All'] },
    others: { scopes: ['UserAuthenticationMethod.ReadWrite.All'], directoryRoles: ADMINISTRATORS },
    application: ['UserAuthenticationMethod.ReadWrite.All'],
  },
} as const satisfies Record<string, PermissionRow>;

export type Permission = keyof typeof PERMISSIONS;

/** Allows the call or throws 403 accessDenied naming what would have been accepted. */
export function authorize(caller: Caller, permission: Permission, targetUserId: string): void {
  const row: PermissionRow = PERMISSIONS[permission];
  if (caller.kind === 'app') {
    if (!row.application) {
      throw accessDenied('This operation is not supported for application-only tokens; use a delegated token.', []);
    }
    if (!row.application.some((role) => caller.roles.has(role))) {
      throw accessDenied(
        'Insufficient privileges to complete the operation. The application lacks a required role.',
        row.application,
      );
    }
    return;
  }
  const rule = targetUserId === caller.objectId ? row.self : row.others;
  if (!rule) {
    throw accessDenied('Users cannot perform this operation on their own account.', []);
  }
  if (!rule.scopes.some((scope) => caller.scopes.has(scope))) {
    throw accessDenied(
      'Insufficient privileges to complete the operation. The token lacks a required scope.',
      rule.scopes,
    );
  }
  if (rule.directoryRoles && !rule.directoryRoles.some((role) => caller.directoryRoles.has(role))) {
    throw accessDenied(
      'Insufficient privileges to complete the operation. The signed-in user lacks a required directory role.',
      rule.scopes,
    );
  }
}
