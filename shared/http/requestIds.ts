import { randomUUID } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** A caller's client-request-id is echoed only when it is a reasonable token (Graph SDKs send a GUID). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdsFor(request: HttpRequest): RequestIds {
  const requestId = randomUUID();
  const given = request.headers.get('client-request-id');
  return { requestId, clientRequestId: given && CLIENT_REQUEST_ID.test(given) ? given : requestId };
}

export function requestIdHeaders(ids: RequestIds): Record<string, string> {
  return { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId };
}
