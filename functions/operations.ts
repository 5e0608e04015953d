import type { Operation } from '../shared/http/operation';
import { authenticationMethodOperations } from './authenticationMethods';
import { phoneMethodOperations } from './phoneMethods';
import { profilePhoneOperations } from './profilePhones';

/** Every operation the service serves: registration, OpenAPI, the local server and tests map over this list. */
export const operations: readonly Operation[] = [
  ...profilePhoneOperations,
  ...phoneMethodOperations,
  ...authenticationMethodOperations,
];
