import type { z } from 'zod';
import { DETAIL_CODE, badRequest, type GraphErrorDetail } from '../http/graphErrors';
import { UNDECLARED_PROPERTY_MARKER } from './graphTypes';

/**
 * Parses a request body with its schema, or throws a 400 whose `details` name every offending
 * property (OData `target` is the property path, e.g. `inference.confidenceScore`).
 */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) => toErrorDetails(issue, body));
  const message =
    details.length === 1
      ? details[0]!.message
      : `The request body has ${details.length} invalid properties: ${details.map((d) => d.target).join(', ')}.`;
  throw badRequest(message, details);
}

function toErrorDetails(issue: z.core.$ZodIssue, body: unknown): GraphErrorDetail[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys' && issue.message.startsWith(UNDECLARED_PROPERTY_MARKER)) {
    const typeName = issue.message.slice(UNDECLARED_PROPERTY_MARKER.length);
    return issue.keys.map((key) => ({
      code: DETAIL_CODE.invalidProperty,
      target: path ? `${path}.${key}` : key,
      message: `The property '${key}' does not exist on type '${typeName}'.`,
    }));
  }
  if (issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined) {
    return [{ code: DETAIL_CODE.missingProperty, target: path, message: `The property '${path}' is required.` }];
  }
  return [
    { code: DETAIL_CODE.invalidValue, target: path || '(body)', message: `The property '${path}' ${issue.message}` },
  ];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
