import type { HttpResponseInit } from '@azure/functions';
import { SECURITY_HEADERS } from './graphResponses';
import { requestIdHeaders, type RequestIds } from './requestIds';
import type { ApiVersion } from './versions';

export const ODATA_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

type Resource = { id: string } & Record<string, unknown>;

/** What an operation answers; `render` turns it into the HTTP response. */
export type OperationResult =
  | { kind: 'created'; resource: Resource }
  | { kind: 'ok'; resource: Record<string, unknown> }
  | { kind: 'collection'; items: Record<string, unknown>[]; skipToken?: string; count?: number }
  | { kind: 'noContent' };

export const created = (resource: Resource): OperationResult => ({ kind: 'created', resource });
export const ok = (resource: Record<string, unknown>): OperationResult => ({ kind: 'ok', resource });
/** A page of a collection; `skipToken` (opaque) continues it in `@odata.nextLink`; `count` is `@odata.count`. */
export const collection = (items: Record<string, unknown>[], skipToken?: string, count?: number): OperationResult => ({
  kind: 'collection',
  items,
  skipToken,
  count,
});
export const noContent = (): OperationResult => ({ kind: 'noContent' });

/** Where links point: the public origin and how the request named the user. */
interface Links {
  /** e.g. `https://phones.contoso.example` */
  origin: string;
  /** The version of the request: links stay in it. */
  version: ApiVersion;
  /** The user as the request named it (decoded), or the caller's object id for `/me`. */
  userKey: string;
  /** The canonical user id. */
  userId: string;
  collectionPath: string;
  /** The request, for `@odata.nextLink`: its URL is read only when there is a next page. */
  request: { readonly url: string; readonly query: URLSearchParams };
}

/** An OData key literal: single quotes doubled inside the quotes, then URL-encoded. */
function keyLiteral(key: string): string {
  const encoded = encodeURIComponent(key);
  return `'${encoded.includes("'") ? encoded.replace(/'/g, "''") : encoded}'`;
}

function contextOf(links: Links, entity: boolean): string {
  const base = `${links.origin}/${links.version}/$metadata#users(${keyLiteral(links.userKey)})/${links.collectionPath}`;
  return entity ? `${base}/$entity` : base;
}

/** The same request with the next page's skip token; OData reserves the `$` and keeps it literal. */
function nextLinkOf(links: Links, skipToken: string): string {
  const query = new URLSearchParams(links.request.query);
  query.set('$skiptoken', skipToken);
  return `${links.origin}${new URL(links.request.url).pathname}?${query.toString().replace(/%24/g, '$')}`;
}

/**
 * Success the way Graph answers: `@odata.context` first, OData headers, request ids. The headers are
 * one literal with the shared parts assigned onto it: on Node 20, a literal that spreads an object and
 * then adds keys of its own takes a slow path (about 0.5 µs per added key, here on every request).
 */
export function render(result: OperationResult, links: Links, ids: RequestIds): HttpResponseInit {
  if (result.kind === 'noContent')
    return {
      status: 204,
      headers: Object.assign({ 'Cache-Control': 'no-cache' }, SECURITY_HEADERS, requestIdHeaders(ids)),
    };
  switch (result.kind) {
    case 'created': {
      const location = `${links.origin}/${links.version}/users/${encodeURIComponent(links.userId)}/${links.collectionPath}/${encodeURIComponent(result.resource.id)}`;
      return {
        status: 201,
        headers: odataHeaders(ids, { Location: location }),
        body: JSON.stringify({ '@odata.context': contextOf(links, true), ...result.resource }),
      };
    }
    case 'ok':
      return {
        status: 200,
        headers: odataHeaders(ids),
        body: JSON.stringify({ '@odata.context': contextOf(links, true), ...result.resource }),
      };
    case 'collection': {
      const page: Record<string, unknown> = { '@odata.context': contextOf(links, false) };
      if (result.count !== undefined) page['@odata.count'] = result.count;
      if (result.skipToken !== undefined) page['@odata.nextLink'] = nextLinkOf(links, result.skipToken);
      page.value = result.items;
      return { status: 200, headers: odataHeaders(ids), body: JSON.stringify(page) };
    }
  }
}

function odataHeaders(ids: RequestIds, extra?: { Location: string }): Record<string, string> {
  return Object.assign(
    { 'Cache-Control': 'no-cache', 'Content-Type': ODATA_JSON, 'OData-Version': '4.0' },
    SECURITY_HEADERS,
    requestIdHeaders(ids),
    extra,
  );
}
