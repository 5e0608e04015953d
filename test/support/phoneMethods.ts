import { randomInt } from 'node:crypto';
import type { HttpHandler } from '@azure/functions';
import { operations } from '../../functions/operations';
import { handle, registrationsOf } from '../../shared/http/pipeline';
import { FUNCTION_NAME_SUFFIX, type ApiVersion } from '../../shared/http/versions';
import { phoneAuthenticationMethodResource } from '../../shared/models/phoneAuthenticationMethod';
import type { Services } from '../../shared/services';
import { invoke, type Invocation } from './invoke';
import type { Handlers } from './isolated';
import { storedItems, testContainer, type StoredItem } from './storage';

export const PATH = 'authentication/phoneMethods';

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

/** Handlers for a hand-built Services (e.g. one container behind a fault proxy, a shifted clock). */
export function handlersFor(services: Services): Handlers {
  return Object.fromEntries(
    registrationsOf(operations).map((registration) => [registration.name, handle(registration, () => services)]),
  );
}

interface CallOptions {
  token: string;
  me?: boolean;
  body?: unknown;
}

/** Every phone-method operation as a function, through `/users/{userId}` or `/me`, in one version (default beta). */
export function phoneMethodsApi(handlers: Handlers, version: ApiVersion = 'beta') {
  const handler = (name: string, me?: boolean): HttpHandler =>
    handlers[`${name}${me ? 'Me' : ''}${FUNCTION_NAME_SUFFIX[version]}`]!;
  const at = (id: string) => `${PATH}/${id}`;
  return {
    list: (userId: string, o: CallOptions) =>
      invoke(handler('listPhoneMethods', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'GET',
        path: PATH,
      }),
    get: (userId: string, id: string, o: CallOptions) =>
      invoke(handler('getPhoneMethod', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'GET',
        path: at(id),
        params: { id },
      }),
    create: (userId: string, o: CallOptions) =>
      invoke(handler('createPhoneMethod', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'POST',
        path: PATH,
        body: o.body,
      }),
    update: (userId: string, id: string, o: CallOptions) =>
      invoke(handler('updatePhoneMethod', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'PATCH',
        path: at(id),
        params: { id },
        body: o.body,
      }),
    remove: (userId: string, id: string, o: CallOptions) =>
      invoke(handler('deletePhoneMethod', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'DELETE',
        path: at(id),
        params: { id },
      }),
    enable: (userId: string, id: string, o: CallOptions) =>
      invoke(handler('enableSmsSignIn', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'POST',
        path: `${at(id)}/enableSmsSignIn`,
        params: { id },
      }),
    disable: (userId: string, id: string, o: CallOptions) =>
      invoke(handler('disableSmsSignIn', o.me), {
        userId,
        version,
        token: o.token,
        me: o.me,
        method: 'POST',
        path: `${at(id)}/disableSmsSignIn`,
        params: { id },
      }),
  };
}
export type PhoneMethodsApi = ReturnType<typeof phoneMethodsApi>;

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
