import type { HttpMethod, Operation } from '../http/operation';
import { registrationsOf, type Registration } from '../http/pipeline';
import { REQUEST_BODY_EXAMPLES } from './examples';
import { sortKeys, type Json } from './json';
import { CLIENT_REQUEST_ID_PARAMETER, pathParameters, queryDocumentation } from './parameters';
import { ERROR_STATUSES, statusOf, successResponse } from './responses';
import { documentedPaths, operationIdOf, type DocumentedPath } from './routes';
import { JSON_MEDIA_TYPE, type Components } from './schemas';
import { permissionNotes, securityRequirements } from './security';

/** Path item keys in the order they are written. */
const METHOD_ORDER: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'DELETE'];

/** The component name of an operation's request body. */
const requestBodyComponent = (operation: Operation) => `${operation.name}RequestBody`;

function operationObject(registration: Registration, documented: DocumentedPath, components: Components): Json {
  const { operation } = registration;
  const query = queryDocumentation(operation);
  const notes = [
    permissionNotes(registration),
    ...(query.refused.length > 0 ? [`Not supported (400): ${query.refused.join(', ')}.`] : []),
    ...(documented.alternates.length > 0 ? [`Another spelling of ${registration.name}.`] : []),
  ];
  const errors = ERROR_STATUSES.filter(({ appliesTo }) => !appliesTo || appliesTo(operation));
  return {
    tags: [operation.collectionPath.split('/').join('.')],
    summary: operation.summary,
    description: notes.join(' '),
    operationId: operationIdOf(registration, documented),
    parameters: [...pathParameters(operation, documented.path), ...query.parameters, CLIENT_REQUEST_ID_PARAMETER],
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: {
              [JSON_MEDIA_TYPE]: {
                schema: components.add(requestBodyComponent(operation), operation.body, 'input'),
                ...(REQUEST_BODY_EXAMPLES[operation.name] ? { example: REQUEST_BODY_EXAMPLES[operation.name] } : {}),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries([
      successResponse(operation, registration.response, components, query),
      ...errors.map((entry): [string, Json] => [
        String(statusOf(entry)),
        { $ref: `#/components/responses/${entry.errors[0].code}` },
      ]),
    ]),
    security: securityRequirements(registration),
  };
}

export function pathItems(operations: readonly Operation[], components: Components): Json {
  const items: Record<string, Partial<Record<HttpMethod, Json>>> = {};
  for (const registration of registrationsOf(operations)) {
    for (const documented of documentedPaths(registration.route)) {
      const item = (items[documented.path] ??= {});
      const method = registration.operation.method;
      if (item[method]) throw new Error(`OpenAPI: two registrations answer ${method} ${documented.path}.`);
      item[method] = operationObject(registration, documented, components);
    }
  }
  return sortKeys(
    Object.fromEntries(
      Object.entries(items).map(([path, item]) => [
        path,
        Object.fromEntries(
          METHOD_ORDER.filter((method) => item[method]).map((method) => [method.toLowerCase(), item[method]]),
        ),
      ]),
    ),
  );
}
