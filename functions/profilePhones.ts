import { randomUUID } from 'node:crypto';
import { itemNotFound, quotaLimitReached } from '../shared/http/graphErrors';
import { listQueryOptions, pageOf } from '../shared/http/odataQuery';
import { resource } from '../shared/http/resource';
import { collection, created, noContent, ok } from '../shared/http/results';
import { identitySetOf } from '../shared/models/identitySet';
import { allowedAudiences } from '../shared/models/itemFacet';
import {
  createItemPhoneBody,
  ITEM_PHONE_PROPERTIES,
  itemPhoneFromBody,
  itemPhoneResource,
  patchItemPhone,
  phoneType,
  updateItemPhoneBody,
  type ItemPhone,
} from '../shared/models/itemPhone';
import type { Services } from '../shared/services';
import { profilePhoneStore } from '../shared/storage/profilePhones';

/**
 * Profile phones exist in beta only (Graph v1.0 has no `profile`). Graph and its SDKs send
 * `/users/{userId}/...`; some clients write `/user/{userId}/...`: both are served.
 */
const profilePhones = resource({
  users: { collections: ['users', 'user'] },
  collectionPath: 'profile/phones',
  idParam: 'id',
  versions: ['beta'],
});

const notFound = () => itemNotFound('The profile phone does not exist for this user.');
const findPhone = (phones: readonly ItemPhone[], id: string) => phones.find((phone) => phone.id === id.toLowerCase());
const store = (services: Services) =>
  profilePhoneStore(services.containers, services.config.maxProfilePhonesPerUser, services.storageTiming, () =>
    services.now(),
  );

export const listProfilePhones = profilePhones.collection({
  name: 'listProfilePhones',
  summary: "List a user's profile phones",
  method: 'GET',
  permission: 'profilePhonesRead',
  query: listQueryOptions({
    selectable: ITEM_PHONE_PROPERTIES,
    orderable: ['createdDateTime', 'lastModifiedDateTime', 'displayName', 'type', 'number'] as const,
    filterable: {
      type: { kind: 'enum', type: 'microsoft.graph.phoneType', members: phoneType, nullable: true },
      displayName: { kind: 'string', nullable: true },
      number: { kind: 'string', nullable: false },
      allowedAudiences: {
        kind: 'flags',
        type: 'microsoft.graph.allowedAudiences',
        members: allowedAudiences,
        nullable: false,
      },
    },
    defaultTop: 100,
    maxTop: 999,
    // The largest MAX_PROFILE_PHONES_PER_USER the configuration accepts.
    maxSkip: 250,
  }),
  response: { status: 200, schema: itemPhoneResource, collection: true },
  async run({ userId, query, services }) {
    const page = pageOf(await store(services).read(userId), query);
    return collection(page.items, page.skipToken, page.count);
  },
});

export const getProfilePhone = profilePhones.item({
  name: 'getProfilePhone',
  summary: 'Get one profile phone',
  method: 'GET',
  permission: 'profilePhonesRead',
  response: { status: 200, schema: itemPhoneResource },
  async run({ userId, params, services }) {
    const phone = findPhone(await store(services).read(userId), params.id);
    if (!phone) throw notFound();
    return ok(phone);
  },
});

export const createProfilePhone = profilePhones.collection({
  name: 'createProfilePhone',
  summary: "Add a phone to a user's profile",
  method: 'POST',
  permission: 'profilePhonesWrite',
  body: createItemPhoneBody,
  response: { status: 201, schema: itemPhoneResource },
  async run({ userId, caller, body, now, services }) {
    const timestamp = now.toISOString();
    const author = identitySetOf(caller);
    const phone = itemPhoneFromBody(body, {
      id: randomUUID(),
      createdDateTime: timestamp,
      createdBy: author,
      lastModifiedDateTime: timestamp,
      lastModifiedBy: author,
    });
    const limit = services.config.maxProfilePhonesPerUser;
    await store(services).update(userId, (phones) => {
      if (phones.length >= limit) throw quotaLimitReached(limit);
      return { items: [...phones, phone], answer: undefined };
    });
    return created(phone);
  },
});

export const updateProfilePhone = profilePhones.item({
  name: 'updateProfilePhone',
  summary: 'Update a profile phone (the properties sent change, the others keep their values)',
  method: 'PATCH',
  permission: 'profilePhonesWrite',
  body: updateItemPhoneBody,
  response: { status: 200, schema: itemPhoneResource },
  async run({ userId, caller, params, body, now, services }) {
    const modified = { lastModifiedDateTime: now.toISOString(), lastModifiedBy: identitySetOf(caller) };
    const updated = await store(services).update(userId, (phones) => {
      const phone = findPhone(phones, params.id);
      if (!phone) throw notFound();
      const next = patchItemPhone(phone, body, modified);
      return { items: phones.map((item) => (item === phone ? next : item)), answer: next };
    });
    return ok(updated);
  },
});

export const deleteProfilePhone = profilePhones.item({
  name: 'deleteProfilePhone',
  summary: 'Delete a profile phone',
  method: 'DELETE',
  permission: 'profilePhonesWrite',
  response: { status: 204 },
  async run({ userId, params, services }) {
    await store(services).update(userId, (phones) => {
      const phone = findPhone(phones, params.id);
      if (!phone) throw notFound();
      return { items: phones.filter((item) => item !== phone), answer: undefined };
    });
    return noContent();
  },
});

export const profilePhoneOperations = [
  listProfilePhones,
  getProfilePhone,
  createProfilePhone,
  updateProfilePhone,
  deleteProfilePhone,
];
