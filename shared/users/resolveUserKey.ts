import type { Caller } from '../auth/caller';
import { DETAIL_CODE, badRequest } from '../http/graphErrors';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ResolvedUser {
  /** The canonical user id: the lower-case object id, which is also the partition key. */
  userId: string;
  /** How links name the user: the path segment as given, or the caller's object id for `/me`. */
  userKey: string;
}

/**
 * Turns `/me` or the `{userId}` path segment into the canonical user id. The service has no directory,
 * so the only name it can resolve is the caller's own UPN; accepting other names would split one
 * user's data over two keys.
 */
export function resolveUserKey(target: { me: true } | { segment: string }, caller: Caller): ResolvedUser {
  if ('me' in target) {
    if (caller.kind === 'app') throw badRequest('/me request is only valid with delegated authentication flow.');
    return { userId: caller.objectId, userKey: caller.objectId };
  }
  const { segment } = target;
  if (OBJECT_ID.test(segment)) return { userId: segment.toLowerCase(), userKey: segment };
  const ownName = caller.userPrincipalName;
  if (ownName && segment.toLowerCase() === ownName.toLowerCase()) return { userId: caller.objectId, userKey: segment };
  throw badRequest(
    "Invalid user id in the path: use the user's object id (a GUID), the signed-in user's own user principal name, or /me.",
    [
      {
        code: DETAIL_CODE.invalidValue,
        target: 'userId',
        message: 'The user id must be an object id (GUID) or your own user principal name.',
      },
    ],
  );
}
