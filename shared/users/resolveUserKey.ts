import { MAX_USER_PRINCIPAL_NAME_LENGTH, type Caller } from '../auth/caller';
import { badRequest, DETAIL_CODE, resourceNotFound, serviceNotAvailable } from '../http/graphErrors';
import { DirectoryUnavailable } from './directory';
import type { DirectoryCache } from './directoryCache';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * What can be a user principal name: `local@domain` (a guest's is `name_home#EXT#@tenant`), no
 * whitespace, control or format characters, nothing that would leave the URL path segment. Anything
 * else cannot name a user, so it is answered 404 without asking the directory.
 */
const USER_PRINCIPAL_NAME = /^[^\s@/\\?\p{Cc}\p{Cf}\p{Cs}]+@[^\s@/\\?\p{Cc}\p{Cf}\p{Cs}]+$/u;

interface ResolvedUser {
  /** The canonical user id: the lower-case object id, which is also the partition key. */
  userId: string;
  /** How links name the user: the path segment as given, or the caller's object id for `/me`. */
  userKey: string;
}

/**
 * Turns `/me` or the `{userId}` path segment into the canonical user id.
 *
 * With a directory, the segment (any user's object id or user principal name) is resolved through
 * it: an unknown user is a 404 `Request_ResourceNotFound`, a directory that cannot answer a 503. The
 * answer is synchronous when the directory cache holds it. Without one (DIRECTORY_ENDPOINT=none),
 * only object ids and the caller's own UPN are accepted and nothing is checked for existence.
 * `/me` is the caller's `oid`, never looked up.
 */
export function resolveUserKey(
  target: { me: true } | { segment: string },
  caller: Caller,
  directory: DirectoryCache | undefined,
): ResolvedUser | Promise<ResolvedUser> {
  if ('me' in target) return { userId: signedInUser(caller), userKey: caller.objectId };
  const { segment } = target;
  if (directory === undefined) return withoutDirectory(segment, caller);
  if (!OBJECT_ID.test(segment) && !isUserPrincipalName(segment)) throw resourceNotFound(segment);
  const objectId = directory.objectIdOf(segment);
  if (objectId instanceof Promise) {
    return objectId.then(
      (id) => resolved(id, segment),
      (error: unknown) => {
        throw error instanceof DirectoryUnavailable
          ? serviceNotAvailable(
              'The directory could not be reached to resolve the user. Retry after the indicated time.',
              error.retryAfterSeconds,
              error,
            )
          : error;
      },
    );
  }
  return resolved(objectId, segment);
}

/**
 * The user a request appears to name before the directory is asked: the caller (for `/me`, their
 * object id or their own UPN as the token gives it), else the segment. Authorization on it runs first;
 * the resolved user is authorized again.
 */
export function presumedUserId(target: { me: true } | { segment: string }, caller: Caller): string {
  if ('me' in target) return signedInUser(caller);
  const segment = target.segment.toLowerCase();
  return segment === caller.objectId || segment === caller.userPrincipalName?.toLowerCase() ? caller.objectId : segment;
}

function signedInUser(caller: Caller): string {
  if (caller.kind === 'app') throw badRequest('/me request is only valid with delegated authentication flow.');
  return caller.objectId;
}

function resolved(objectId: string | null, segment: string): ResolvedUser {
  if (objectId === null) throw resourceNotFound(segment);
  return { userId: objectId, userKey: segment };
}

function isUserPrincipalName(segment: string): boolean {
  return segment.length <= MAX_USER_PRINCIPAL_NAME_LENGTH && USER_PRINCIPAL_NAME.test(segment);
}

/** The second release's rule: an object id, or the caller's own UPN. */
function withoutDirectory(segment: string, caller: Caller): ResolvedUser {
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
