/** A user as the directory names them: the only two properties the service asks for. */
export interface DirectoryUser {
  /** The object id, lower case: the partition key of the user's data. */
  readonly id: string;
  readonly userPrincipalName: string;
}

/**
 * The tenant's directory, as far as this service needs it: who a `{userId}` (an object id or a user
 * principal name) is. Microsoft Graph in Azure (graphDirectory.ts); an in-memory one for `npm start`.
 */
export interface Directory {
  /**
   * The user `key` names, or `undefined` when the directory says there is none. Throws a
   * `DirectoryUnavailable` when the directory cannot answer; never answers `undefined` for that.
   */
  findUser(key: string): Promise<DirectoryUser | undefined>;
  /**
   * Several lookups in one call to the directory, when it can (Microsoft Graph's JSON batching): each
   * key's answer in the order of `keys`, as `findUser` would give it (a `DirectoryUnavailable` in its
   * place when the directory could not answer for that key). Rejects with a `DirectoryUnavailable`
   * when the call as a whole failed.
   */
  findUsers?(keys: readonly string[]): Promise<LookupOutcome[]>;
  /** Releases connections (process shutdown, end of a test). */
  dispose?(): void;
}

/** One key's answer among several: the user, undefined (no such user), or why the directory could not say. */
export type LookupOutcome = DirectoryUser | undefined | DirectoryUnavailable;

/**
 * The directory could not answer: unreachable, too slow, throttling, failing, or refusing our token.
 * `code` (an upper-case word, or the HTTP status as a number) and the name are what the request's log
 * line records of it; the message may be read by an operator but is never sent to the client.
 */
export class DirectoryUnavailable extends Error {
  override name = 'DirectoryUnavailable';
  constructor(
    message: string,
    /** Seconds the client should wait: the directory's own `Retry-After` when it sent one. */
    readonly retryAfterSeconds: number,
    readonly code: string | number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
