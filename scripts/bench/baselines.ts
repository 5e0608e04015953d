import { randomUUID } from 'node:crypto';
import type { ItemPhone } from '../../shared/models/itemPhone';
import { PHONE_METHOD_IDS, type PhoneAuthenticationMethod } from '../../shared/models/phoneAuthenticationMethod';
import type { Services } from '../../shared/services';
import { phoneMethodStore, phoneMethodStores } from '../../shared/storage/phoneMethods';
import { profilePhoneStore } from '../../shared/storage/profilePhones';

/**
 * The storage-only baseline of each operation, keyed by operation name: the same store calls (and so
 * the same Cosmos requests) the operation makes on the benchmark's fixtures, with no authentication,
 * no validation and no Graph shaping. The benchmark counts the Cosmos requests of both sides and
 * flags a baseline whose count differs.
 */

interface BaselineInput {
  userId: string;
  /** The `{id}` path segment, when the route has one. */
  itemId?: string;
  body: Record<string, unknown>;
}

interface BaselineAnswer {
  status: number;
  body?: unknown;
}

type Baseline = (services: Services, input: BaselineInput) => Promise<BaselineAnswer>;

const MOBILE = PHONE_METHOD_IDS.mobile;
const isMobile = (method: PhoneAuthenticationMethod) => method.phoneType === 'mobile';
const storesOf = (services: Services) =>
  phoneMethodStores(services.containers, () => services.now(), services.storageTiming);
const replaceMobile = (methods: PhoneAuthenticationMethod[], change: Partial<PhoneAuthenticationMethod>) =>
  methods.map((method) => (isMobile(method) ? { ...method, ...change } : method));

export const BASELINES: Record<string, Baseline> = {
  listProfilePhones: async (s, { userId }) => ({
    status: 200,
    body: { value: await profilePhoneStore(s.containers, s.config.maxProfilePhonesPerUser).read(userId) },
  }),
  getProfilePhone: async (s, { userId, itemId }) => ({
    status: 200,
    body: (await profilePhoneStore(s.containers, s.config.maxProfilePhonesPerUser).read(userId)).find(
      (p) => p.id === itemId,
    ),
  }),
  createProfilePhone: async (s, { userId, body }) => {
    const phone = { ...body, id: randomUUID() } as ItemPhone;
    await profilePhoneStore(s.containers, s.config.maxProfilePhonesPerUser).update(userId, (phones) => ({
      items: [...phones, phone],
      answer: undefined,
    }));
    return { status: 201, body: phone };
  },
  updateProfilePhone: async (s, { userId, itemId, body }) => {
    const next = await profilePhoneStore(s.containers, s.config.maxProfilePhonesPerUser).update(userId, (phones) => {
      const changed = { ...phones.find((p) => p.id === itemId)!, ...body };
      return { items: phones.map((p) => (p.id === itemId ? changed : p)), answer: changed };
    });
    return { status: 200, body: next };
  },
  deleteProfilePhone: async (s, { userId, itemId }) => {
    await profilePhoneStore(s.containers, s.config.maxProfilePhonesPerUser).update(userId, (phones) => ({
      items: phones.filter((p) => p.id !== itemId),
      answer: undefined,
    }));
    return { status: 204 };
  },
  listPhoneMethods: async (s, { userId }) => ({
    status: 200,
    body: { value: await phoneMethodStore(s.containers).read(userId) },
  }),
  getPhoneMethod: async (s, { userId }) => ({
    status: 200,
    body: (await phoneMethodStore(s.containers).read(userId)).find(isMobile),
  }),
  createPhoneMethod: async (s, { userId, body }) => {
    const { methods: store, numbers } = storesOf(s);
    const phoneNumber = String(body.phoneNumber);
    const method = {
      id: MOBILE,
      phoneNumber,
      phoneType: 'mobile',
      smsSignInState: 'ready',
      createdDateTime: new Date().toISOString(),
    } as PhoneAuthenticationMethod;
    const start = await store.readVersion(userId);
    const claim = await numbers.claim(userId, phoneNumber);
    await store.update(userId, (methods) => ({ items: [...methods, method], answer: undefined }), {
      from: start,
      writeId: claim?.id,
      sendBy: numbers.sendBy(claim),
    });
    return { status: 201, body: method };
  },
  updatePhoneMethod: async (s, { userId, body }) => {
    const { methods: store, numbers } = storesOf(s);
    const phoneNumber = String(body.phoneNumber);
    const start = await store.readVersion(userId);
    const claim = await numbers.claim(userId, phoneNumber);
    const { answer: previous, receipt } = await store.write(
      userId,
      (methods) => ({ items: replaceMobile(methods, { phoneNumber }), answer: methods.find(isMobile)! }),
      { from: start, writeId: claim?.id, sendBy: numbers.sendBy(claim) },
    );
    await numbers.free(userId, previous.phoneNumber, receipt!);
    return { status: 204 };
  },
  deletePhoneMethod: async (s, { userId }) => {
    const { methods: store, numbers } = storesOf(s);
    const { answer: removed, receipt } = await store.write(userId, (methods) => ({
      items: methods.filter((m) => !isMobile(m)),
      answer: methods.find(isMobile)!,
    }));
    await numbers.free(userId, removed.phoneNumber, receipt!);
    return { status: 204 };
  },
  enableSmsSignIn: async (s, { userId }) => {
    const { methods: store, numbers } = storesOf(s);
    const start = await store.readVersion(userId);
    const { phoneNumber } = start.items.find(isMobile)!;
    const claim = await numbers.claim(userId, phoneNumber);
    await store.update(
      userId,
      (methods) => ({ items: replaceMobile(methods, { smsSignInState: 'ready' }), answer: undefined }),
      {
        from: start,
        writeId: claim?.id,
        sendBy: numbers.sendBy(claim),
      },
    );
    return { status: 204 };
  },
  disableSmsSignIn: async (s, { userId }) => {
    const { methods: store, numbers } = storesOf(s);
    const { answer: mobile, receipt } = await store.write(userId, (methods) => ({
      items: replaceMobile(methods, { smsSignInState: 'notEnabled' }),
      answer: methods.find(isMobile)!,
    }));
    await numbers.free(userId, mobile.phoneNumber, receipt!);
    return { status: 204 };
  },
};

// The same storage work as the phone-method operations they share their code with.
BASELINES.listAuthenticationMethods = BASELINES.listPhoneMethods!;
BASELINES.getAuthenticationMethod = BASELINES.getPhoneMethod!;
BASELINES.enableAuthenticationMethodSmsSignIn = BASELINES.enableSmsSignIn!;
BASELINES.disableAuthenticationMethodSmsSignIn = BASELINES.disableSmsSignIn!;
