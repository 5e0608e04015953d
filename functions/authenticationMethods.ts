import { resource } from '../shared/http/resource';
import { phoneAuthenticationMethodResource } from '../shared/models/phoneAuthenticationMethod';
import { getUserPhoneMethod, listUserPhoneMethods, smsSignInActions } from './phoneMethods';

/**
 * A user's authentication methods as far as this service holds them: its phone methods, each with
 * its `@odata.type`, read through the same code as `/authentication/phoneMethods`. Passwords, FIDO2
 * keys, the Authenticator app and every other method type live in Entra ID, not here. Graph asks
 * for the `UserAuthenticationMethod.*` permissions on this collection: the phone-only scopes are not enough.
 */
const methods = resource({
  users: { collections: ['users'] },
  collectionPath: 'authentication/methods',
  idParam: 'id',
  versions: ['beta', 'v1.0'],
});

export const listAuthenticationMethods = methods.collection({
  name: 'listAuthenticationMethods',
  summary: "List a user's authentication methods held by this service (its phone methods)",
  method: 'GET',
  permission: 'authenticationMethodsRead',
  response: { status: 200, schema: phoneAuthenticationMethodResource, collection: true },
  run: listUserPhoneMethods,
});

export const getAuthenticationMethod = methods.item({
  name: 'getAuthenticationMethod',
  summary: 'Get one authentication method held by this service (a phone method)',
  method: 'GET',
  permission: 'authenticationMethodsRead',
  response: { status: 200, schema: phoneAuthenticationMethodResource },
  run: getUserPhoneMethod,
});

// The beta PowerShell module sends the SMS sign-in actions through /methods/{id}; Graph v1.0 has them on phoneMethods only.
export const [enableAuthenticationMethodSmsSignIn, disableAuthenticationMethodSmsSignIn] = smsSignInActions(methods, {
  namePart: 'AuthenticationMethod',
  versions: ['beta'],
});

export const authenticationMethodOperations = [
  listAuthenticationMethods,
  getAuthenticationMethod,
  enableAuthenticationMethodSmsSignIn,
  disableAuthenticationMethodSmsSignIn,
];
