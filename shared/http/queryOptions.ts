import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { DETAIL_CODE, badRequest, type GraphErrorDetail } from './graphErrors';

/**
 * Parses the request's OData system query options (`$`-prefixed; other parameters are not Graph's and
 * are ignored) with the operation's schema: an unknown, repeated or malformed option is a 400 naming it.
 * An operation without a schema supports none, so every option given is unknown (no parse needed).
 */
export function parseQueryOptions<Schema extends z.ZodType>(
  schema: Schema | undefined,
  request: HttpRequest,
): z.output<Schema> {
  const options: Record<string, string> = {};
  const details: GraphErrorDetail[] = [];
  for (const [name, value] of request.query.entries()) {
    if (!name.startsWith('$')) continue;
    if (Object.hasOwn(options, name))
      details.push({
        code: DETAIL_CODE.invalidQueryOption,
        target: name,
        message: `The query option '${name}' is given more than once.`,
      });
    options[name] = value;
  }
  if (schema === undefined) {
    for (const name of Object.keys(options)) details.push(unsupported(name));
    if (details.length === 0) return {} as z.output<Schema>;
    throw invalidQueryOptions(details);
  }
  const result = schema.safeParse(options);
  if (result.success && details.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push(unsupported(key));
    } else {
      const name = String(issue.path[0] ?? '(query)');
      details.push({
        code: DETAIL_CODE.invalidQueryOption,
        target: name,
        message: `The query option '${name}' ${issue.message}`,
      });
    }
  }
  throw invalidQueryOptions(details);
}

const unsupported = (name: string): GraphErrorDetail => ({
  code: DETAIL_CODE.invalidQueryOption,
  target: name,
  message: `The query option '${name}' is not supported by this operation.`,
});

const invalidQueryOptions = (details: GraphErrorDetail[]) =>
  badRequest(
    details.length === 1 ? details[0]!.message : `The request has ${details.length} invalid query options.`,
    details,
  );
