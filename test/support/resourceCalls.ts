import { operations } from '../../functions/operations';
import type { HttpMethod } from '../../shared/http/operation';
import { registrationsOf, type Registration } from '../../shared/http/pipeline';
import type { ApiVersion } from '../../shared/http/versions';
import { invoke, type Invocation } from './invoke';
import type { Handlers } from './isolated';

export interface CallOptions {
  token: string;
  /** Call the `/me/...` registration instead of `/users/{userId}/...`. */
  me?: boolean;
  /** The segment before `{userId}` where the resource accepts more than one (`user` for profile phones). */
  collection?: string;
  body?: unknown;
  query?: Record<string, string>;
}

type CollectionCall = (userId: string, options: CallOptions) => Promise<Invocation>;
type ItemCall = (userId: string, id: string, options: CallOptions) => Promise<Invocation>;

/** One resource's operations in one version, each called through its registered handler as the host would. */
export interface ResourceCalls {
  list: CollectionCall;
  create: CollectionCall;
  get: ItemCall;
  update: ItemCall;
  delete: ItemCall;
  /** A POST on `{collectionPath}/{id}/{name}`, e.g. `enableSmsSignIn`. */
  action(name: string, userId: string, id: string, options: CallOptions): Promise<Invocation>;
}

const COLLECTION_CALLS: Partial<Record<HttpMethod, string>> = { GET: 'list', POST: 'create' };
const ITEM_CALLS: Partial<Record<HttpMethod, string>> = { GET: 'get', PATCH: 'update', DELETE: 'delete' };

/** What a registration is to its resource: the call it answers and the parameter naming the item. */
export function callOf({ operation }: Registration): { name: string | undefined; idParam?: string } {
  const [item, action] = operation.path.slice(operation.collectionPath.length + 1).split('/');
  if (!item) return { name: COLLECTION_CALLS[operation.method] };
  const idParam = item.slice(1, -1);
  return { name: action === undefined ? ITEM_CALLS[operation.method] : `action:${action}`, idParam };
}

/**
 * Calls for the resource at `collectionPath`, found among the registrations the app registers (the
 * same list as registration, OpenAPI and the local server): a new operation is callable with no edit here.
 */
export function resourceCalls(handlers: Handlers, collectionPath: string, version: ApiVersion = 'beta'): ResourceCalls {
  const registrations = registrationsOf(operations).filter(
    (registration) => registration.version === version && registration.operation.collectionPath === collectionPath,
  );
  if (registrations.length === 0) throw new Error(`No operation serves ${collectionPath} in ${version}.`);

  const call = (name: string, userId: string, id: string | undefined, options: CallOptions) => {
    const registration = registrations.find(
      (candidate) => candidate.me === Boolean(options.me) && callOf(candidate).name === name,
    );
    const handler = registration && handlers[registration.name];
    if (!registration || !handler) throw new Error(`${collectionPath} has no ${name} in ${version}.`);
    const { operation } = registration;
    const { idParam } = callOf(registration);
    const { token, me, collection, body, query } = options;
    const item = id !== undefined && idParam !== undefined;
    return invoke(handler, {
      userId,
      version,
      token,
      me,
      collection,
      body,
      query,
      method: operation.method,
      path: item ? operation.path.replace(`{${idParam}}`, () => id) : collectionPath,
      ...(item ? { params: { [idParam]: id } } : {}),
    });
  };

  return {
    list: (userId, options) => call('list', userId, undefined, options),
    create: (userId, options) => call('create', userId, undefined, options),
    get: (userId, id, options) => call('get', userId, id, options),
    update: (userId, id, options) => call('update', userId, id, options),
    delete: (userId, id, options) => call('delete', userId, id, options),
    action: (name, userId, id, options) => call(`action:${name}`, userId, id, options),
  };
}
