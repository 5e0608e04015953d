import { randomUUID } from 'node:crypto';
import { app } from '@azure/functions';
import type { Caller } from '../shared/auth/caller';
import { createHandler } from '../shared/http/handle';
import type { IdentitySet } from '../shared/models/identitySet';
import { createItemPhoneBody, itemPhoneFromBody } from '../shared/models/itemPhone';
import { createProfilePhone as storeProfilePhone } from '../shared/storage/profilePhones';

/**
 * The seed writes `/user/{userId}/...`, Graph and its SDKs send `/users/{userId}/...`: one route
 * template accepts both (route constraints are case-insensitive, as in the Functions host).
 */
export const PROFILE_PHONES_ROUTE = '{collection:regex(^users?$)}/{userId}/profile/phones';

/** POST /beta/users/{userId}/profile/phones: add a phone to a user's profile. */
export const createProfilePhone = createHandler({
  permission: 'profilePhones',
  route: PROFILE_PHONES_ROUTE,
  collectionPath: 'profile/phones',
  body: createItemPhoneBody,
  async create({ userId, caller, body, now }) {
    const timestamp = now.toISOString();
    const author = identitySetOf(caller);
    const phone = itemPhoneFromBody(body, {
      id: randomUUID(),
      createdDateTime: timestamp,
      createdBy: author,
      lastModifiedDateTime: timestamp,
      lastModifiedBy: author,
    });
    await storeProfilePhone(userId, phone);
    return phone;
  },
});

/** Who created the facet, from the token: the signed-in user and, where named, the client app. */
function identitySetOf(caller: Caller): IdentitySet {
  return {
    user: { id: caller.objectId, displayName: caller.displayName ?? null },
    ...(caller.appId ? { application: { id: caller.appId, displayName: caller.appDisplayName ?? null } } : {}),
  };
}

app.http('createProfilePhone', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: PROFILE_PHONES_ROUTE,
  handler: createProfilePhone,
});
