import { randomInt } from 'node:crypto';
import { phoneAuthenticationMethodResource } from '../../shared/models/phoneAuthenticationMethod';
import type { Invocation } from './invoke';
import { storedItems, testContainer, type StoredItem } from './storage';

/** The phone methods' collection below the user (`resourceCalls(handlers, PHONE_METHODS)`). */
export const PHONE_METHODS = 'authentication/phoneMethods';

/** A random possible UK mobile number (a billion of them: tests running at once never share one by chance). */
export function randomNumber(): string {
  return `+44 7${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}

/** The claim document id of a normalized number. */
export const claimId = (phoneNumber: string) => phoneNumber.replace(' ', '');

/** A number's claim document as stored. */
interface StoredClaim {
  id: string;
  ownerUserId?: string;
  /** The requests that may still write the owner's mobile `ready` on this number, until their lease ends. */
  leases?: Array<{ id: string; until: string }>;
}

/** The claim document of a number, or undefined where the number has none. */
export async function storedClaim(phoneNumber: string): Promise<StoredClaim | undefined> {
  const id = claimId(phoneNumber);
  try {
    const { resource } = await testContainer('smsSignInNumbers').item(id, id).read<StoredClaim>();
    return resource ?? undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  }
}

export const storedMethods = (userId: string) => storedItems('phoneMethods', userId);

/** The rules every user's stored methods obey at every moment; throws naming the broken one. */
export function checkUserInvariants(userId: string, methods: StoredItem[]): void {
  for (const method of methods) phoneAuthenticationMethodResource.parse(method);
  const types = methods.map((method) => method.phoneType);
  if (new Set(types).size !== types.length)
    throw new Error(`user ${userId}: two methods of one type (${types.join(', ')})`);
  if (types.includes('alternateMobile') && !types.includes('mobile'))
    throw new Error(`user ${userId}: an alternateMobile without a mobile`);
}

/** At most one of these users has each number `ready`; returns the users that have `phoneNumber` ready. */
export async function checkNumberInvariants(userIds: readonly string[], phoneNumber?: string): Promise<string[]> {
  const readyBy = new Map<string, string[]>();
  for (const userId of userIds) {
    const methods = await storedMethods(userId);
    checkUserInvariants(userId, methods);
    for (const method of methods) {
      if (method.phoneType !== 'mobile' && method.smsSignInState === 'ready')
        throw new Error(`user ${userId}: a ${method.phoneType} ready for SMS`);
      if (method.smsSignInState === 'ready')
        readyBy.set(claimId(method.phoneNumber), [...(readyBy.get(claimId(method.phoneNumber)) ?? []), userId]);
    }
  }
  for (const [, owners] of readyBy)
    if (owners.length > 1) throw new Error(`a number is ready for ${owners.length} users`);
  return phoneNumber === undefined ? [] : (readyBy.get(claimId(phoneNumber)) ?? []);
}

export const statusesOf = (results: Invocation[]) => results.map((result) => result.status);
