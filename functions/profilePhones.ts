import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { itemNotFound, quotaLimitReached } from '../shared/http/graphErrors';
import { listQueryOptions, pageOf } from '../shared/http/odataQuery';
import { defineOperation, type UserRoutes } from '../shared/http/operation';
import { collection, created, noContent, ok } from '../shared/http/results';
import { identitySetOf } from '../shared/models/identitySet';
import {
  createItemPhoneBody,
  ITEM_PHONE_PROPERTIES,
  itemPhoneFromBody,
  itemPhoneResource,
  patchItemPhone,
  updateItemPhoneBody,
  type ItemPhone,
} from '../shared/models/itemPhone';
import type { Services } from '../shared/services';
import { profilePhoneStore } from '../shared/storage/profilePhones';

/** Graph and its SDKs send `/users/{userId}/...`; some clients write `/user/{userId}/...`: both are served. */
const users: UserRoutes = { collections: ['users', 'user'] };
const collectionPath = 'profile/phones';
const phoneId = z.object({ id: z.string() });

const store = (services: Services) =>
  profilePhoneStore(services.containers, services.storageTiming, () => services.now());
const notFound = () => itemNotFound('The profile phone does not exist for this user.');
const findPhone = (phones: readonly ItemPhone[], id: string) => phones.find((phone) => phone.id === id.toLowerCase());

export const listProfilePhones = defineOperation({
  name: 'listProfilePhones',
  summary: "List a user's profile phones",
  method: 'GET',
  users,
  collectionPath,
  path: collectionPath,
  permission: 'profilePhonesRead',
  query: listQueryOptions({
    selectable: ITEM_PHONE_PROPERTIES,
    orderable: ['createdDateTime', 'lastModifiedDateTime', 'displayName', 'type', 'number'] as const,
    defaultTop: 100,
    maxTop: 999,
  }),
  response: { status: 200, schema: itemPhoneResource, collection: true },
  async run({ userId, query, services }) {
    const page = pageOf(await store(services).read(userId), query);
    return collection(page.items, page.skipToken);
  },
});

export const getProfilePhone = defineOperation({
  name: 'getProfilePhone',
  summary: 'Get one profile phone',
  method: 'GET',
  users,
  collectionPath,
  path: `${collectionPath}/{id}`,
  permission: 'profilePhonesRead',
  params: phoneId,
  response: { status: 200, schema: itemPhoneResource },
  async run({ userId, params, services }) {
    const phone = findPhone(await store(services).read(userId), params.id);
    if (!phone) throw notFound();
    return ok(phone);
  },
});

export const createProfilePhone = defineOperation({
  name: 'createProfilePhone',
  summary: "Add a phone to a user's profile",
  method: 'POST',
  users,
  collectionPath,
  path: collectionPath,
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

export const updateProfilePhone = defineOperation({
  name: 'updateProfilePhone',
  summary: 'Update a profile phone (the properties sent change, the others keep their values)',
  method: 'PATCH',
  users,
  collectionPath,
  path: `${collectionPath}/{id}`,
  permission: 'profilePhonesWrite',
  params: phoneId,
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

export const deleteProfilePhone = defineOperation({
  name: 'deleteProfilePhone',
  summary: 'Delete a profile phone',
  method: 'DELETE',
  users,
  collectionPath,
  path: `${collectionPath}/{id}`,
  permission: 'profilePhonesWrite',
  params: phoneId,
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
