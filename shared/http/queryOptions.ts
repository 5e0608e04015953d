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
  /** One detail per option: a repeated one is named as repeated, whatever its values. */
  const report = (detail: GraphErrorDetail) => {
    if (!details.some((reported) => reported.target === detail.target)) details.push(detail);
  };
  for (const [name, value] of systemQueryOptionsOf(request.url)) {
    if (Object.hasOwn(options, name)) {
      report(repeated(name));
      continue;
    }
    options[name] = value;
  }
  if (schema === undefined) {
    for (const name of Object.keys(options)) report(unsupported(name));
    if (details.length === 0) return {} as z.output<Schema>;
    throw invalidQueryOptions(details);
  }
  const result = schema.safeParse(options);
  if (result.success && details.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) report(unsupported(key));
    } else {
      const name = String(issue.path[0] ?? '(query)');
      report({
        code: 'invalidQueryOption',
        target: name,
        message: `The query option '${name}' ${issue.message}`,
      });
    }
  }
  throw invalidQueryOptions(details);
}

/**
 * The `$` parameters as the request's URL spells them, each occurrence. `request.query` cannot tell a
 * repeated option: the Functions host builds it from ASP.NET Core's query collection, which merges
 * every occurrence of a name (compared ignoring case) into one value joined with commas, so
 * `$select=id&$select=number` arrives as the valid `$select=id,number`. The URL it passes keeps the
 * query as sent.
 */
function systemQueryOptionsOf(url: string): Array<[string, string]> {
  const start = url.indexOf('?');
  if (start < 0) return [];
  const end = url.indexOf('#', start);
  const found: Array<[string, string]> = [];
  for (const entry of new URLSearchParams(url.slice(start + 1, end < 0 ? undefined : end)))
    if (entry[0].startsWith('$')) found.push(entry);
  return found;
}

const repeated = (name: string): GraphErrorDetail => ({
  code: 'invalidQueryOption',
  target: name,
  message: `The query option '${name}' is given more than once.`,
});

/** The one wording for an option an operation does not support, whatever its value. */
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
