import { batchRegistrationsOf } from '../http/batch';
import { MAX_BATCH_REQUESTS } from '../http/batchRequest';
import { API_VERSIONS, type ApiVersion } from '../http/versions';
import type { Json } from './json';
import { CLIENT_REQUEST_ID_PARAMETER } from './parameters';
import { JSON_MEDIA_TYPE } from './schemas';

/**
 * `POST {version}/$batch`, one path per batch registration. Its items are the operations documented
 * beside it, each with its own permission, so the batch itself asks only for a valid token.
 */

const batchRequest: Json = {
  type: 'object',
  required: ['requests'],
  properties: {
    requests: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BATCH_REQUESTS,
      items: {
        type: 'object',
        required: ['id', 'method', 'url'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 128, description: 'Unique in the batch, ignoring case.' },
          method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          url: {
            type: 'string',
            description: 'Relative to the version, e.g. /users/{id}/authentication/phoneMethods.',
          },
          headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Never Authorization.' },
          body: { description: 'A JSON value, or a base64 string for a body that is not JSON.' },
          dependsOn: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

const batchResponse: Json = {
  type: 'object',
  required: ['responses'],
  properties: {
    responses: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'headers'],
        properties: {
          id: { type: 'string' },
          status: { type: 'integer' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          body: { description: "The item's answer: JSON as JSON, anything else in base64." },
        },
      },
    },
  },
};

const errorRef = (code: string) => ({ $ref: `#/components/responses/${code}` });

export function batchPathItems(versions: readonly ApiVersion[] = API_VERSIONS): Json {
  return Object.fromEntries(
    batchRegistrationsOf(versions).map((batch) => [
      `/${batch.route}`,
      {
        post: {
          tags: ['batch'],
          summary: 'JSON batching: up to 20 requests in one call.',
          description:
            "Each item runs through the same pipeline as the same request sent alone, with the batch's token, and answers with its own status; dependsOn orders items and a failed dependency answers 424.",
          operationId: batch.name,
          parameters: [CLIENT_REQUEST_ID_PARAMETER],
          requestBody: { required: true, content: { [JSON_MEDIA_TYPE]: { schema: batchRequest } } },
          responses: {
            '200': { description: "Every item's answer.", content: { [JSON_MEDIA_TYPE]: { schema: batchResponse } } },
            '400': errorRef('badRequest'),
            '401': errorRef('InvalidAuthenticationToken'),
            '413': errorRef('requestEntityTooLarge'),
            '415': errorRef('unsupportedMediaType'),
            '500': errorRef('generalException'),
            '503': errorRef('serviceNotAvailable'),
          },
          security: [{ azureAdJwt: [] }],
        },
      },
    ]),
  );
}
