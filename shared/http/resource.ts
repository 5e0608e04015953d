import { z } from 'zod';
import { defineOperation, type Operation, type OperationResponse, type UserRoutes } from './operation';
import type { ApiVersion } from './versions';

/** Where a resource lives: which users can be named, its collection below the user, and its versions. */
export interface ResourceRoutes<Id extends string> {
  users: UserRoutes;
  /** e.g. `authentication/phoneMethods` */
  collectionPath: string;
  /** The path parameter naming one item: `{id}`. */
  idParam: Id;
  /** The versions the resource is served in; an operation may name fewer. */
  versions: readonly [ApiVersion, ...ApiVersion[]];
}

/** What an operation adds to its resource: everything but where it lives. */
export type OperationSpec<Params extends z.ZodType, Query extends z.ZodType, Body extends z.ZodType> = Omit<
  Operation<Params, Query, Body>,
  'users' | 'collectionPath' | 'path' | 'params' | 'versions'
> & {
  /** What a success answers, in every version the operation exists in. */
  response: OperationResponse;
  /** The versions the operation exists in, when fewer than the resource's. */
  versions?: readonly ApiVersion[];
};

type IdParams<Id extends string> = z.ZodObject<Record<Id, z.ZodString>>;

/**
 * The operations of one resource, written without repeating where it lives: `collection` for
 * `{collectionPath}`, `item` for `{collectionPath}/{id}`, `action` for a POST on `{collectionPath}/{id}/{name}`.
 */
export function resource<Id extends string>(routes: ResourceRoutes<Id>) {
  const { users, collectionPath, idParam } = routes;
  const idParams = z.object({ [idParam]: z.string() } as Record<Id, z.ZodString>);
  const itemPath = `${collectionPath}/{${idParam}}`;

  function versionsOf({
    versions = routes.versions,
    response,
  }: {
    versions?: readonly ApiVersion[];
    response: OperationResponse;
  }) {
    for (const version of versions)
      if (!routes.versions.includes(version))
        throw new Error(`${collectionPath} is not served in ${version}: an operation cannot be either.`);
    return Object.fromEntries(versions.map((version) => [version, response]));
  }

  function build<Params extends z.ZodType, Query extends z.ZodType, Body extends z.ZodType>(
    spec: OperationSpec<Params, Query, Body>,
    path: string,
    params: Params | undefined,
  ): Operation {
    const { response: _response, versions: _versions, ...rest } = spec;
    return defineOperation<Params, Query, Body>({
      ...rest,
      users,
      collectionPath,
      path,
      ...(params ? { params } : {}),
      versions: versionsOf(spec),
    });
  }

  return {
    collection: <Query extends z.ZodType, Body extends z.ZodType>(
      spec: OperationSpec<z.ZodObject, Query, Body>,
    ): Operation => build(spec, collectionPath, undefined),
    item: <Query extends z.ZodType, Body extends z.ZodType>(
      spec: OperationSpec<IdParams<Id>, Query, Body>,
    ): Operation => build(spec, itemPath, idParams),
    action: <Query extends z.ZodType, Body extends z.ZodType>(
      name: string,
      spec: Omit<OperationSpec<IdParams<Id>, Query, Body>, 'method'>,
    ): Operation => build({ ...spec, method: 'POST' }, `${itemPath}/${name}`, idParams),
  };
}
