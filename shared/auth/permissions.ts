import { accessDenied } from '../http/graphErrors';
import type { Caller } from './caller';

export type Endpoint = 'phoneMethods' | 'profilePhones';

/** Directory role template ids allowed to manage other users' authentication methods. */
export const AUTHENTICATION_ADMINISTRATOR = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
export const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';

interface DelegatedRule {
  /** One of these must be in `scp`. */
  scopes: readonly string[];
  /** When set, one of these must also be in `wids`. */
  directoryRoles?: readonly string[];
}

interface EndpointPermissions {
  delegated: {
    /** The signed-in user acting on their own data; `null`: never allowed. */
    self: DelegatedRule | null;
    /** The signed-in user acting on another user of the tenant. */
    others: DelegatedRule;
  };
  /** App-only callers: one of these must be in `roles`; `null`: app-only is not supported. */
  application: readonly string[] | null;
}

/** The permission table of contract section 2, as data. `authorize` is its only reader. */
export const PERMISSIONS: Record<Endpoint, EndpointPermissions> = {
  phoneMethods: {
    delegated: {
      // Users cannot add phone methods to their own account through this API.
      self: null,
      others: {
        scopes: [
          'UserAuthMethod-Phone.ReadWrite',
          'UserAuthMethod-Phone.ReadWrite.All',
          'UserAuthenticationMethod.ReadWrite',
          'UserAuthenticationMethod.ReadWrite.All',
        ],
        directoryRoles: [AUTHENTICATION_ADMINISTRATOR, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
      },
    },
    application: ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-Phone.ReadWrite.All'],
  },
  profilePhones: {
    delegated: {
      self: { scopes: ['User.ReadWrite', 'User.ReadWrite.All'] },
      others: { scopes: ['User.ReadWrite.All'] },
    },
    application: null,
  },
};

/** Allows the call or throws 403 accessDenied naming what would have been accepted. */
export function authorize(caller: Caller, endpoint: Endpoint, targetUserId: string): void {
  const rules = PERMISSIONS[endpoint];
  if (caller.kind === 'app') {
    if (!rules.application) {
      throw accessDenied('This operation is not supported for application-only tokens; use a delegated token.', []);
    }
    if (!rules.application.some((role) => caller.roles.has(role))) {
      throw accessDenied('Insufficient privileges to complete the operation. The application lacks a required role.', rules.application);
    }
    return;
  }
  const rule = targetUserId === caller.objectId ? rules.delegated.self : rules.delegated.others;
  if (!rule) {
    throw accessDenied('Users cannot perform this operation on their own account.', []);
  }
  if (!rule.scopes.some((scope) => caller.scopes.has(scope))) {
    throw accessDenied('Insufficient privileges to complete the operation. The token lacks a required scope.', rule.scopes);
  }
  if (rule.directoryRoles && !rule.directoryRoles.some((role) => caller.directoryRoles.has(role))) {
    throw accessDenied(
      'Insufficient privileges to complete the operation. The signed-in user lacks a required directory role.',
      rule.scopes,
    );
  }
}
