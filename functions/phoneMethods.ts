import { badRequest, conflict, itemNotFound, serviceNotAvailable, type GraphError } from '../shared/http/graphErrors';
import { maskPhoneNumber, readsMaskedNumbers } from '../shared/auth/maskedNumbers';
import type { Operation, OperationInput } from '../shared/http/operation';
import { resource } from '../shared/http/resource';
import { collection, created, noContent, ok, type OperationResult } from '../shared/http/results';
import type { ApiVersion } from '../shared/http/versions';
import {
  createPhoneMethodBody,
  PHONE_METHOD_IDS,
  PHONE_TYPE_ORDER,
  phoneAuthenticationMethodResource,
  phoneMethodFromBody,
  phoneTypeOfId,
  presentPhoneMethod,
  smsNumberKey,
  updatePhoneMethodBody,
  type PhoneAuthenticationMethod,
  type SmsSignInState,
} from '../shared/models/phoneAuthenticationMethod';
import type { Services } from '../shared/services';
import { phoneMethodStore, phoneMethodStores } from '../shared/storage/phoneMethods';
import type { SmsSignInNumbers, WonClaim } from '../shared/storage/smsSignInNumbers';
import type { UserReceipt, UserVersion, WriteOptions } from '../shared/storage/userDocument';

/**
 * Phone authentication methods. Each user's methods live in one document, so every rule that spans
 * them ("one per type", "no alternateMobile without a mobile", "do not delete the mobile while an
 * alternateMobile exists") is checked inside `decide` and written in one conditional replace: under
 * any interleaving the stored list only ever moves from one valid state to another, and a request
 * that fails writes nothing. SMS sign-in on the mobile additionally claims its number in
 * `smsSignInNumbers` first (see shared/storage/smsSignInNumbers.ts for the protocol and why it holds).
 */

/** Phone methods exist in beta and v1.0, with the same answers (update, delete and the SMS actions 204). */
const phoneMethods = resource({
  users: { collections: ['users'] },
  collectionPath: 'authentication/phoneMethods',
  idParam: 'id',
  versions: ['beta', 'v1.0'],
});
/** A resource whose items are named by a phone method id. */
type PhoneMethodIdResource = ReturnType<typeof resource<'id'>>;
const MOBILE_ID = PHONE_METHOD_IDS.mobile;
/** An operation whose premise (the mobile's number or state) changed under it starts over this often. */
const MAX_ROUNDS = 5;

const notFound = () => itemNotFound('The phone authentication method does not exist for this user.');
const byId = (methods: readonly PhoneAuthenticationMethod[], id: string) => {
  const type = phoneTypeOfId(id);
  return type === undefined ? undefined : methods.find((method) => method.phoneType === type);
};
const mobileOf = (methods: readonly PhoneAuthenticationMethod[]) =>
  methods.find((method) => method.phoneType === 'mobile');
const replaceMethod = (methods: readonly PhoneAuthenticationMethod[], next: PhoneAuthenticationMethod) =>
  methods.map((method) => (method.phoneType === next.phoneType ? next : method));
const sameNumber = (a: string, b: string) => smsNumberKey(a) === smsNumberKey(b);

const methodStore = (services: Services) =>
  phoneMethodStore(services.containers, services.storageTiming, () => services.now());
const stores = (services: Services) =>
  phoneMethodStores(services.containers, () => services.now(), services.storageTiming);

/** The write that may make a mobile `ready`: it carries the claim's lease id and is sent only while the lease may be used. */
const claimedWrite = (
  numbers: SmsSignInNumbers,
  claim: WonClaim | undefined,
  from: UserVersion<PhoneAuthenticationMethod>,
): WriteOptions<PhoneAuthenticationMethod> => ({ from, writeId: claim?.id, sendBy: numbers.sendBy(claim) });

/** After a write that stopped a `ready` mobile being ready on its number (`previous`): frees the number. */
async function freeNumber(
  numbers: SmsSignInNumbers,
  userId: string,
  previous: PhoneAuthenticationMethod,
  receipt: UserReceipt<PhoneAuthenticationMethod> | undefined,
): Promise<void> {
  if (receipt && previous.phoneType === 'mobile' && previous.smsSignInState === 'ready')
    await numbers.free(userId, previous.phoneNumber, receipt);
}

function smsOnlyOnMobile(id: string): void {
  if (id.toLowerCase() !== MOBILE_ID) {
    throw badRequest('SMS sign-in can only be enabled or disabled on the mobile phone method.', [
      {
        code: 'invalidValue',
        target: 'id',
        message: `Only the mobile phone method (${MOBILE_ID}) supports SMS sign-in.`,
      },
    ]);
  }
}

const RETRY = Symbol('retry');
const tooManyChanges = () =>
  serviceNotAvailable('The phone method changed repeatedly during the request. Retry the request.', 1);

type ReadInput = OperationInput<unknown, unknown, unknown>;
type MethodInput = OperationInput<{ id: string }, unknown, unknown>;

/** A stored method as a read presents it to this caller: SMS state by the policy, the number masked where Graph masks it. */
function presentFor({ caller, userId, services }: ReadInput, method: PhoneAuthenticationMethod) {
  const presented = presentPhoneMethod(method, services.config.smsSignInEnabled);
  return readsMaskedNumbers(caller, userId)
    ? { ...presented, phoneNumber: maskPhoneNumber(presented.phoneNumber) }
    : presented;
}

/** The user's phone methods as reads present them, in Graph's order; `/authentication/methods` lists them too. */
export async function listUserPhoneMethods(input: ReadInput) {
  const methods = await methodStore(input.services).read(input.userId);
  const ordered: PhoneAuthenticationMethod[] = [];
  for (const type of PHONE_TYPE_ORDER) {
    const method = methods.find((candidate) => candidate.phoneType === type);
    if (method) ordered.push(presentFor(input, method));
  }
  return collection(ordered);
}

/** One of the user's phone methods as reads present it; `/authentication/methods/{id}` gets it too. */
export async function getUserPhoneMethod(input: MethodInput) {
  const method = byId(await methodStore(input.services).read(input.userId), input.params.id);
  if (!method) throw notFound();
  return ok(presentFor(input, method));
}

export const listPhoneMethods = phoneMethods.collection({
  name: 'listPhoneMethods',
  summary: "List a user's phone authentication methods",
  method: 'GET',
  permission: 'phoneMethodsRead',
  response: { status: 200, schema: phoneAuthenticationMethodResource, collection: true },
  run: listUserPhoneMethods,
});

export const getPhoneMethod = phoneMethods.item({
  name: 'getPhoneMethod',
  summary: 'Get one phone authentication method',
  method: 'GET',
  permission: 'phoneMethodsRead',
  response: { status: 200, schema: phoneAuthenticationMethodResource },
  run: getUserPhoneMethod,
});

export const createPhoneMethod = phoneMethods.collection({
  name: 'createPhoneMethod',
  summary: 'Add a phone authentication method',
  method: 'POST',
  permission: 'phoneMethodsWrite',
  body: createPhoneMethodBody,
  response: { status: 201, schema: phoneAuthenticationMethodResource },
  async run({ userId, body, now, services }) {
    const policy = services.config.smsSignInEnabled;
    const { methods: store, numbers } = stores(services);
    const method = phoneMethodFromBody(body, { smsSignInEnabled: policy, now });
    const add = (state: () => SmsSignInState) => (methods: PhoneAuthenticationMethod[]) => {
      if (methods.some((existing) => existing.phoneType === method.phoneType)) {
        throw conflict(`A phone method of type '${method.phoneType}' already exists for this user.`);
      }
      if (method.phoneType === 'alternateMobile' && !mobileOf(methods)) {
        throw badRequest('An alternateMobile phone method requires a mobile phone method first.', [
          {
            code: 'invalidValue',
            target: 'phoneType',
            message: 'Add a mobile phone method before an alternateMobile one.',
          },
        ]);
      }
      const stored = { ...method, smsSignInState: state() };
      return { items: [...methods, stored], answer: stored };
    };

    if (method.phoneType !== 'mobile' || !policy)
      return created(
        presentPhoneMethod(
          await store.update(
            userId,
            add(() => method.smsSignInState),
          ),
          policy,
        ),
      );
    const start = await store.readVersion(userId);
    // A user who already has a mobile gets the 409 without touching the number's claim.
    if (mobileOf(start.items)) throw conflict("A phone method of type 'mobile' already exists for this user.");
    const stored = await numbers.withClaim(userId, method.phoneNumber, (claim) =>
      store.update(
        userId,
        add(() => numbers.stateFor(claim)),
        claimedWrite(numbers, claim, start),
      ),
    );
    return created(presentPhoneMethod(stored, policy));
  },
});

export const updatePhoneMethod = phoneMethods.item({
  name: 'updatePhoneMethod',
  summary: "Update a phone authentication method's number (to change its type, add the new type and delete the old)",
  method: 'PATCH',
  permission: 'phoneMethodsWrite',
  body: updatePhoneMethodBody,
  response: { status: 204 },
  async run({ userId, params, body, services }) {
    const policy = services.config.smsSignInEnabled;
    const { methods: store, numbers } = stores(services);
    const type = phoneTypeOfId(params.id);
    if (!type) throw notFound();
    const newNumber = body.phoneNumber;

    /** Changes the number; `state` decides the mobile's new SMS state from its current one (RETRY: start over). */
    const change = (
      state: (current: PhoneAuthenticationMethod) => SmsSignInState | typeof RETRY,
      options?: WriteOptions<PhoneAuthenticationMethod>,
    ) =>
      store.write(
        userId,
        (methods) => {
          const current = methods.find((method) => method.phoneType === type);
          if (!current) throw notFound();
          if (body.phoneType != null && body.phoneType !== current.phoneType) {
            throw badRequest(
              'The phone type of a phone method cannot be changed; add a method of the new type and delete this one.',
              [
                {
                  code: 'invalidValue',
                  target: 'phoneType',
                  message: `This method's phoneType is '${current.phoneType}'.`,
                },
              ],
            );
          }
          if (newNumber === undefined || newNumber === current.phoneNumber)
            return { answer: { previous: current, retry: false } };
          const next = state(current);
          if (next === RETRY) return { answer: { previous: current, retry: true } };
          return {
            items: replaceMethod(methods, { ...current, phoneNumber: newNumber, smsSignInState: next }),
            answer: { previous: current, retry: false },
          };
        },
        options,
      );
    if (type !== 'mobile' || !policy || newNumber === undefined) {
      // With the policy off a mobile cannot claim a number: a changed mobile is stored notEnabled.
      const { answer, receipt } = await change((current) =>
        current.phoneType === 'mobile' ? 'notEnabled' : current.smsSignInState,
      );
      await freeNumber(numbers, userId, answer.previous, receipt);
      return noContent();
    }
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      const start = await store.readVersion(userId);
      const current = byId(start.items, params.id);
      if (!current) throw notFound();
      // Nothing to claim (a disabled mobile stays disabled on its new number, an unchanged number keeps
      // its state); should the state have changed meanwhile, start over.
      const wrongType = body.phoneType != null && body.phoneType !== type;
      const claims =
        !wrongType && current.smsSignInState !== 'notEnabled' && !sameNumber(current.phoneNumber, newNumber);
      const { answer, receipt } = claims
        ? await numbers.withClaim(userId, newNumber, (claim) =>
            change(
              (now) => (now.smsSignInState === 'notEnabled' ? 'notEnabled' : numbers.stateFor(claim)),
              claimedWrite(numbers, claim, start),
            ),
          )
        : await change((now) => (now.smsSignInState === 'notEnabled' ? 'notEnabled' : RETRY), { from: start });
      if (answer.retry) continue;
      await freeNumber(numbers, userId, answer.previous, receipt);
      return noContent();
    }
    throw tooManyChanges();
  },
});

export const deletePhoneMethod = phoneMethods.item({
  name: 'deletePhoneMethod',
  summary: 'Delete a phone authentication method',
  method: 'DELETE',
  permission: 'phoneMethodsDelete',
  response: { status: 204 },
  async run({ userId, params, services }) {
    const { methods: store, numbers } = stores(services);
    const { answer: removed, receipt } = await store.write(userId, (methods) => {
      const method = byId(methods, params.id);
      if (!method) throw notFound();
      if (method.phoneType === 'mobile' && methods.some((other) => other.phoneType === 'alternateMobile')) {
        throw badRequest(
          'The mobile phone method cannot be deleted while an alternateMobile one exists; update the mobile number instead, then delete the alternateMobile method.',
          [{ code: 'invalidValue', target: 'id', message: 'Delete the alternateMobile phone method first.' }],
        );
      }
      return { items: methods.filter((other) => other !== method), answer: method };
    });
    await freeNumber(numbers, userId, removed, receipt);
    return noContent();
  },
});

/** Enables SMS sign-in on the mobile (the action of `smsSignInActions`). */
async function enableMobileSmsSignIn({ userId, params, services }: MethodInput) {
  if (!services.config.smsSignInEnabled) {
    throw badRequest('SMS sign-in is not allowed by the authentication methods policy of this tenant.');
  }
  smsOnlyOnMobile(params.id);
  const { methods: store, numbers } = stores(services);
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    const start = await store.readVersion(userId);
    const mobile = mobileOf(start.items);
    if (!mobile) throw notFound();
    if (mobile.smsSignInState === 'ready') return noContent();
    const phoneNumber = mobile.phoneNumber;
    const outcome = await numbers.withClaim(userId, phoneNumber, (claim) =>
      store.update<SmsSignInState | typeof RETRY>(
        userId,
        (methods) => {
          const current = mobileOf(methods);
          if (!current) throw notFound();
          if (!sameNumber(current.phoneNumber, phoneNumber)) return { answer: RETRY };
          const state = numbers.stateFor(claim);
          if (current.smsSignInState === state) return { answer: state };
          return { items: replaceMethod(methods, { ...current, smsSignInState: state }), answer: state };
        },
        claimedWrite(numbers, claim, start),
      ),
    );
    if (outcome === RETRY) continue;
    if (outcome !== 'ready') throw numberNotUnique();
    return noContent();
  }
  throw tooManyChanges();
}

function numberNotUnique(): GraphError {
  return badRequest('The phone number is already enabled for SMS sign-in by another user.', [
    {
      code: 'phoneNumberNotUnique',
      target: 'phoneNumber',
      message: 'Another user has this number enabled for SMS sign-in.',
    },
  ]);
}

/** Disables SMS sign-in on the mobile (the action of `smsSignInActions`). */
async function disableMobileSmsSignIn({ userId, params, services }: MethodInput) {
  smsOnlyOnMobile(params.id);
  const { methods: store, numbers } = stores(services);
  const { answer: mobile, receipt } = await store.write(userId, (methods) => {
    const current = mobileOf(methods);
    if (!current) throw notFound();
    if (current.smsSignInState === 'notEnabled') return { answer: current };
    return { items: replaceMethod(methods, { ...current, smsSignInState: 'notEnabled' }), answer: current };
  });
  await freeNumber(numbers, userId, mobile, receipt);
  return noContent();
}

/**
 * Both SMS sign-in actions on a resource whose item ids are phone method ids: `phoneMethods`, and beta's
 * `authentication/methods` (where the beta PowerShell module sends them), named `{verb}{namePart}SmsSignIn`.
 */
export function smsSignInActions(
  methods: PhoneMethodIdResource,
  { namePart = '', versions }: { namePart?: string; versions?: readonly ApiVersion[] } = {},
): [enable: Operation, disable: Operation] {
  const action = (verb: 'enable' | 'disable', run: (input: MethodInput) => Promise<OperationResult>) =>
    methods.action(`${verb}SmsSignIn`, {
      name: `${verb}${namePart}SmsSignIn`,
      summary: `${verb === 'enable' ? 'Enable' : 'Disable'} SMS sign-in on the mobile phone method`,
      permission: 'smsSignIn',
      response: { status: 204 },
      ...(versions ? { versions } : {}),
      run,
    });
  return [action('enable', enableMobileSmsSignIn), action('disable', disableMobileSmsSignIn)];
}

export const [enableSmsSignIn, disableSmsSignIn] = smsSignInActions(phoneMethods);

export const phoneMethodOperations = [
  listPhoneMethods,
  getPhoneMethod,
  createPhoneMethod,
  updatePhoneMethod,
  deletePhoneMethod,
  enableSmsSignIn,
  disableSmsSignIn,
];
