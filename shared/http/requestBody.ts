import type { HttpRequest } from '@azure/functions';
import { DETAIL_CODE, badRequest, payloadTooLarge, unsupportedMediaType } from './graphErrors';

/**
 * Reads a JSON object body: 415 unless Content-Type is application/json, 413 past `limitBytes`
 * (checked on Content-Length first, then while reading, so an oversized body is never buffered
 * whole), 400 when it is not UTF-8 JSON or not an object.
 */
export async function readJsonObject(request: HttpRequest, limitBytes: number): Promise<Record<string, unknown>> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') throw unsupportedMediaType();

  const declaredLength = Number(request.headers.get('content-length') ?? 0);
  if (declaredLength > limitBytes) throw payloadTooLarge(limitBytes);

  const bytes = await readAtMost(request, limitBytes);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw badRequest('The request body is not valid JSON.', [
      { code: DETAIL_CODE.invalidRequest, target: '(body)', message: 'The request body must be a JSON object.' },
    ]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object.', [
      { code: DETAIL_CODE.invalidRequest, target: '(body)', message: 'The request body must be a JSON object.' },
    ]);
  }
  return value as Record<string, unknown>;
}

async function readAtMost(request: HttpRequest, limitBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw payloadTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
