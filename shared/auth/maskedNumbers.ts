import type { Caller } from './caller';
import {
  AUTHENTICATION_ADMINISTRATOR,
  GLOBAL_ADMINISTRATOR,
  GLOBAL_READER,
  PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
} from './permissions';

/**
 * Graph shows an Authentication Administrator other users' phone-method numbers masked; the roles
 * that may read them whole (Privileged Authentication Administrator, Global Administrator and, as
 * Graph documents, Global Reader) lift the mask. The user themself and applications read them whole.
 */
const MASKED_FOR = [AUTHENTICATION_ADMINISTRATOR];
const WHOLE_FOR = [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR, GLOBAL_READER];

/** Whether this caller reads `targetUserId`'s phone-method numbers masked. */
export function readsMaskedNumbers(caller: Caller, targetUserId: string): boolean {
  if (caller.kind === 'app' || caller.objectId === targetUserId) return false;
  const has = (roles: readonly string[]) => roles.some((role) => caller.directoryRoles.has(role));
  return has(MASKED_FOR) && !has(WHOLE_FOR);
}

/**
 * `+1 2065550100` → `+1 XXXXXXXX00`: the country code and the last two digits stay, every other
 * digit becomes `X`, an extension (`x123`) is dropped.
 */
export function maskPhoneNumber(phoneNumber: string): string {
  const space = phoneNumber.indexOf(' ');
  const countryCode = space < 0 ? '' : phoneNumber.slice(0, space + 1);
  const subscriber = phoneNumber.slice(space + 1).replace(/x.*$/i, '');
  let kept = 0;
  const masked = [...subscriber]
    .reverse()
    .map((char) => (/\d/.test(char) && (kept += 1) > 2 ? 'X' : char))
    .reverse()
    .join('');
  return `${countryCode}${masked}`;
}
