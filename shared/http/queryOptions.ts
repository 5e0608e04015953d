import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { badRequest, type GraphErrorDetail } from './graphErrors';

/** An operation without query options still refuses every OData system query option. */
const NO_QUERY_OPTIONS = z.strictObject({});

/**
 * Parses the request's OData system query options (`$`-prefixed; other parameters are not Graph's and
 * are ignored) with the operation's schema: an unknown, repeated or malformed option is a 400 naming it.
 */
export function parseQueryOptions<Schema extends z.ZodType>(schema: Schema | undefined, request: HttpRequest): z.output<Schema> {
  const options: Record<string, string> = {};
  const details: GraphErrorDetail[] = [];
  for (const [name, value] of request.query.entries()) {
    if (!name.startsWith('$')) continue;
    if (Object.hasOwn(options, name)) details.push({ code: 'invalidQueryOption', target: name, message: `The query option '${name}' is given more than once.` });
    options[name] = value;
  }
  const result = (schema ?? NO_QUERY_OPTIONS).safeParse(options);
  if (result.success && details.length === 0) return result.data as z.output<Schema>;
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ code: 'invalidQueryOption', target: key, message: `The query option '${key}' is not supported by this operation.` });
    } else {
      const name = String(issue.path[0] ?? '(query)');
      details.push({ code: 'invalidQueryOption', target: name, message: `The query option '${name}' ${issue.message}` });
    }
  }
  throw badRequest(details.length === 1 ? details[0]!.message : `The request has ${details.length} invalid query options.`, details);
}
