import { guid, MAX_USER_PRINCIPAL_NAME_LENGTH, type Caller } from '../auth/caller';
import { badRequest, DETAIL_CODE, resourceNotFound, serviceNotAvailable } from '../http/graphErrors';
import { DirectoryUnavailable } from './directory';
import type { DirectoryCache } from './directoryCache';

/**
 * What can be a user principal name: `local@domain` (a guest's is `name_home#EXT#@tenant`), no
 * whitespace, control or format characters, nothing that would leave the URL path segment. Anything
 * else cannot name a user, so it is answered 404 without asking the directory.
 */
const USER_PRINCIPAL_NAME = /^[^\s@/\\?\p{Cc}\p{Cf}\p{Cs}]+@[^\s@/\\?\p{Cc}\p{Cf}\p{Cs}]+$/u;

/**
 * Turns `/me` or the `{userId}` path segment into the canonical user id: the lower-case object id,
 * which is also the partition key.
 *
 * With a directory, the segment (any user's object id or user principal name) is resolved through
 * it: an unknown user is a 404 `Request_ResourceNotFound`, a directory that cannot answer a 503. The
 * answer is synchronous when the directory cache holds it. Without one (DIRECTORY_ENDPOINT=none),
 * only object ids and the caller's own UPN are accepted and nothing is checked for existence.
 * `/me` is the caller's `oid`, never looked up.
 *
 * On a cache hit nothing is allocated: the answer is the cached id string itself.
 */
export function resolveUserKey(
  target: { me: true } | { segment: string },
  caller: Caller,
  directory: DirectoryCache | undefined,
): string | Promise<string> {
  if ('me' in target) return signedInUser(caller);
  const { segment } = target;
  if (directory === undefined) return withoutDirectory(segment, guid(segment), caller);
  const key = directoryKeyOf(segment);
  if (key === undefined) throw resourceNotFound(segment);
  const found = directory.objectIdOf(key);
  if (found instanceof Promise) {
    return found.then(
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
  return resolved(found, segment);
}

/**
 * What the directory is asked for a `{userId}` segment: the object id (lower case), or the segment as
 * a user principal name; undefined when it can name no user (answered 404 without asking).
 */
export function directoryKeyOf(segment: string): string | undefined {
  return guid(segment) ?? (isUserPrincipalName(segment) ? segment : undefined);
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

function resolved(objectId: string | null, segment: string): string {
  if (objectId === null) throw resourceNotFound(segment);
  return objectId;
}

function isUserPrincipalName(segment: string): boolean {
  return segment.length <= MAX_USER_PRINCIPAL_NAME_LENGTH && USER_PRINCIPAL_NAME.test(segment);
}

/** The second release's rule: an object id (`objectId`, the segment read as one), or the caller's own UPN. */
function withoutDirectory(segment: string, objectId: string | undefined, caller: Caller): string {
  if (objectId !== undefined) return objectId;
  const ownName = caller.userPrincipalName;
  if (ownName && segment.toLowerCase() === ownName.toLowerCase()) return caller.objectId;
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
