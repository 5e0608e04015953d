import type { PhoneAuthenticationMethod } from '../models/phoneAuthenticationMethod';
import type { Containers } from './cosmos';
import { SmsSignInNumbers } from './smsSignInNumbers';
import { DEFAULT_STORAGE_TIMING, type StorageTiming } from './timing';
import { UserDocuments } from './userDocument';

/**
 * A user's phone methods: one document per user, so "one per type" and "no alternateMobile without a
 * mobile" are checked and written in one conditional replace.
 */
export type PhoneMethodStore = UserDocuments<'methods', PhoneAuthenticationMethod>;

export function phoneMethodStore(
  containers: Containers,
  timing: StorageTiming = DEFAULT_STORAGE_TIMING,
  now: () => Date = () => new Date(),
): PhoneMethodStore {
  return new UserDocuments(containers.phoneMethods, 'methods', timing, () => now().getTime());
}

/** What the phone-method operations write: the users' documents and the SMS sign-in number claims. */
export function phoneMethodStores(
  containers: Containers,
  now: () => Date,
  timing: StorageTiming = DEFAULT_STORAGE_TIMING,
): { methods: PhoneMethodStore; numbers: SmsSignInNumbers } {
  const methods = phoneMethodStore(containers, timing, now);
  return { methods, numbers: new SmsSignInNumbers(containers.smsSignInNumbers, methods, now, timing) };
}
