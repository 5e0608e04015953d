import type { z } from 'zod';
import type { Caller } from '../auth/caller';
import type { Permission } from '../auth/permissions';
import type { Services } from '../services';
import type { OperationResult } from './results';
import type { ApiVersion } from './versions';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Which users a route can name: `users/{userId}` (and `user/{userId}` for profile phones) and `me`. */
export interface UserRoutes {
  /** The collection segments accepted before `{userId}`, e.g. `['users', 'user']`. */
  collections: readonly [string, ...string[]];
}

export interface OperationInput<Params, Query, Body> {
  /** The canonical (lower-case object id) user the operation acts on. */
  userId: string;
  caller: Caller;
  params: Params;
  query: Query;
  body: Body;
  now: Date;
  services: Services;
}

/** What a success answers, for OpenAPI. */
export interface OperationResponse {
  status: 200 | 201 | 204;
  schema?: z.ZodType;
  collection?: boolean;
}

/**
 * One Graph operation as data: everything registration, the pipeline, OpenAPI and the local server
 * need. Importing a descriptor registers nothing.
 */
export interface Operation<
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
> {
  /** The function name (unique); the `/me` registration appends `Me`, a version its suffix. */
  name: string;
  summary: string;
  method: HttpMethod;
  users: UserRoutes;
  /** The resource collection below the user, e.g. `profile/phones`: links and contexts are built from it. */
  collectionPath: string;
  /** The route below the user, e.g. `profile/phones/{id}`. */
  path: string;
  permission: Permission;
  /** Path parameters other than the user (`{id}`). */
  params?: Params;
  /** Query options; an operation without this schema refuses every `$` option. */
  query?: Query;
  /** The JSON body; only an operation with one reads the body (and checks Content-Type and size). */
  body?: Body;
  /** The versions the operation exists in, each with what a success answers there. */
  versions: Readonly<Partial<Record<ApiVersion, OperationResponse>>>;
  run(input: OperationInput<z.output<Params>, z.output<Query>, z.output<Body>>): Promise<OperationResult>;
}

/** Keeps each descriptor's schema types while storing descriptors in one list. */
export function defineOperation<Params extends z.ZodType, Query extends z.ZodType, Body extends z.ZodType>(
  operation: Operation<Params, Query, Body>,
): Operation {
  return operation;
}
