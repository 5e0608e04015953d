import type { Caller } from '../auth/caller';
import { badRequest } from '../http/graphErrors';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns the `{userId}` path segment into the canonical user key (the lower-case object id), which is
 * also the partition key. The service has no directory, so the only name it can resolve is the
 * caller's own UPN; accepting other names would split one user's data over two keys.
 */
export function resolveUserKey(userIdSegment: string, caller: Caller): string {
  if (OBJECT_ID.test(userIdSegment)) return userIdSegment.toLowerCase();
  const ownName = caller.userPrincipalName;
  if (ownName && userIdSegment.toLowerCase() === ownName.toLowerCase()) return caller.objectId;
  throw badRequest(
    "Invalid user id in the path: use the user's object id (a GUID) or the signed-in user's own user principal name.",
    [{ code: 'invalidValue', target: 'userId', message: 'The user id must be an object id (GUID) or your own user principal name.' }],
  );
}
