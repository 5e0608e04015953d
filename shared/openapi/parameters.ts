import { z } from 'zod';
import type { Operation } from '../http/operation';
import type { Json } from './json';
import { templateNames } from './routes';
import { objectOf } from './schemas';

const PATH_PARAMETER_DESCRIPTIONS: Record<string, string> = {
  userId:
    "Any user's object id (a GUID, any case) or user principal name (case-insensitive; a guest's #EXT# name percent-encoded), resolved through the tenant's directory.",
  id: "The item's id, as answered when it was created or listed.",
};

export const CLIENT_REQUEST_ID_PARAMETER = {
  name: 'client-request-id',
  in: 'header',
  required: false,
  description: 'Echoed in the response when it is 1 to 128 characters of letters, digits and ._:-',
  schema: { type: 'string' },
};

export function pathParameters(operation: Operation, path: string): Json[] {
  const declared = operation.params
    ? ((z.toJSONSchema(operation.params, { io: 'input', unrepresentable: 'any' }) as Json).properties as Record<
        string,
        Json
      >)
    : {};
  return templateNames(path).map((name) => {
    const { description: metaDescription, ...schema } = declared[name] ?? { type: 'string' };
    const description = metaDescription ?? PATH_PARAMETER_DESCRIPTIONS[name];
    if (!description) throw new Error(`OpenAPI: no description for the path parameter '${name}'.`);
    return { name, in: 'path', required: true, description, schema };
  });
}

/** What the schema of one query option tells about it, found by asking the schema itself. */
interface OptionFacts {
  /** The resource's properties the option accepts as its whole value. */
  properties: string[];
  /** The whole numbers from 0 to 9999 it accepts, when they form one range. */
  range?: { minimum: number; maximum: number };
}

/** Descriptions of the OData system query options, used when an option's schema has none of its own. */
const QUERY_OPTION_DESCRIPTIONS: Record<string, (facts: OptionFacts) => string> = {
  $top: ({ range }) => `Page size${range ? `: a whole number from ${range.minimum} to ${range.maximum}` : ''}.`,
  $select: ({ properties }) => `Comma-separated properties to return: ${properties.join(', ')}.`,
  $orderby: ({ properties }) =>
    `One property to sort by, optionally followed by \`asc\` (the default) or \`desc\`: ${properties.join(', ')}. ` +
    'Ties, and a request without `$orderby`, are ordered by createdDateTime and then id.',
  $skiptoken: () =>
    'Opaque continuation token: follow `@odata.nextLink` rather than building it. It is only valid with the `$orderby` of the request that issued it.',
  $skip: ({ range }) =>
    `Matching items to pass over before the first page${range ? `: a whole number from ${range.minimum} to ${range.maximum}` : ''}. ` +
    'A nextLink continues after its page and skips no more.',
  $count: () =>
    '`true` adds `@odata.count`: how many items match (the whole collection, or those `$filter` keeps), on every page.',
};

function optionFacts(field: z.ZodType, resourceProperties: readonly string[]): OptionFacts {
  const accepts = (value: string) => field.safeParse(value).success;
  const numbers = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => accepts(String(n)));
  const contiguous = numbers.length > 0 && numbers.at(-1)! - numbers[0]! === numbers.length - 1;
  return {
    properties: resourceProperties.filter(accepts),
    ...(contiguous ? { range: { minimum: numbers[0]!, maximum: numbers.at(-1)! } } : {}),
  };
}

/**
 * An option the schema refuses whatever its value (the service answers 400) is listed as not
 * supported instead of being a parameter. The probes are typical values of OData options; an option
 * with a description above must accept one of them, so a documented option is never dropped silently.
 */
function refusesEverything(field: z.ZodType, resourceProperties: readonly string[]): boolean {
  const probes = [
    '0',
    '1',
    'x',
    'true',
    'false',
    ...resourceProperties,
    ...resourceProperties.flatMap((name) => [`${name} desc`, `${name} eq '1'`]),
  ];
  return !probes.some((probe) => field.safeParse(probe).success);
}

/** The item properties a list or entity answers, for probing what the query options accept. */
function resourcePropertiesOf(operation: Operation): string[] {
  const resource = Object.values(operation.versions).find((response) => response.schema)?.schema;
  return resource instanceof z.ZodObject ? Object.keys(resource.shape).filter((name) => !name.startsWith('@')) : [];
}

export interface QueryDocumentation {
  parameters: Json[];
  refused: string[];
}

const queryDocumentations = new WeakMap<Operation, QueryDocumentation>();

/** Query parameters from the keys of the operation's query schema; each operation is probed once. */
export function queryDocumentation(operation: Operation): QueryDocumentation {
  let documentation = queryDocumentations.get(operation);
  if (!documentation) queryDocumentations.set(operation, (documentation = documentQuery(operation)));
  return documentation;
}

function documentQuery(operation: Operation): QueryDocumentation {
  if (!operation.query) return { parameters: [], refused: [] };
  const object = objectOf(operation.query);
  if (!object) throw new Error(`OpenAPI: the query schema of '${operation.name}' is not an object of options.`);
  const converted = z.toJSONSchema(object, { io: 'input', unrepresentable: 'any' }) as Json;
  const properties = (converted.properties ?? {}) as Record<string, Json>;
  const required = new Set((converted.required ?? []) as string[]);
  const resourceProperties = resourcePropertiesOf(operation);
  const parameters: Json[] = [];
  const refused: string[] = [];
  for (const [name, field] of Object.entries(object.shape) as Array<[string, z.ZodType]>) {
    if (refusesEverything(field, resourceProperties)) {
      if (Object.hasOwn(QUERY_OPTION_DESCRIPTIONS, name)) {
        throw new Error(`OpenAPI: the query option '${name}' of '${operation.name}' accepts none of the probe values.`);
      }
      refused.push(name);
      continue;
    }
    const { description: metaDescription, ...schema } = properties[name] ?? {};
    const describe = QUERY_OPTION_DESCRIPTIONS[name];
    const description = (metaDescription as string | undefined) ?? describe?.(optionFacts(field, resourceProperties));
    if (!description) throw new Error(`OpenAPI: no description for the query option '${name}' of '${operation.name}'.`);
    parameters.push({ name, in: 'query', required: required.has(name), description, schema });
  }
  return { parameters, refused };
}
