import type { PhoneAuthenticationMethod } from '../models/phoneAuthenticationMethod';
import type { Containers } from './cosmos';
import { SmsSignInNumbers } from './smsSignInNumbers';
import { UserDocuments } from './userDocument';

/**
 * A user's phone methods: one document per user, so "one per type" and "no alternateMobile without a
 * mobile" are checked and written in one conditional replace.
 */
export type PhoneMethodStore = UserDocuments<'methods', PhoneAuthenticationMethod>;

export function phoneMethodStore(containers: Containers): PhoneMethodStore {
  return new UserDocuments(containers.phoneMethods, 'methods');
}

/** What the phone-method operations write: the users' documents and the SMS sign-in number claims. */
export function phoneMethodStores(
  containers: Containers,
  now: () => Date,
): { methods: PhoneMethodStore; numbers: SmsSignInNumbers } {
  const methods = phoneMethodStore(containers);
  return { methods, numbers: new SmsSignInNumbers(containers.smsSignInNumbers, methods, now) };
}
