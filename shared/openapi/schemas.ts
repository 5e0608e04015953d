import { z } from 'zod';
import type { GraphErrorDetail } from '../http/graphErrors';
import { identity, identitySet } from '../models/identitySet';
import { inferenceData } from '../models/itemFacet';
import { sortKeys, type Json } from './json';

/* Zod conversions, with the nested Graph types shared as components. */

export const JSON_MEDIA_TYPE = 'application/json';
export const ERROR_SCHEMA = 'microsoft.graph.ODataErrors.ODataError';

/** Graph's error body; typed against GraphErrorDetail so a change there breaks this schema's build. */
export const odataError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ code: z.string(), message: z.string(), target: z.string() })) satisfies z.ZodType<
      GraphErrorDetail[]
    >,
    innerError: z.object({
      date: z.string().meta({ description: 'UTC time of the failure, ISO 8601 without fraction or zone.' }),
      'request-id': z.string(),
      'client-request-id': z.string(),
    }),
  }),
});

const odataContext = z
  .string()
  .meta({ description: 'OData context URL: the entity set, ending in `/$entity` for a single entity.' });

/** A single entity as answered (201 and 200): `@odata.context` first, then the resource. */
export function entityBody(resource: z.ZodType): z.ZodType {
  return resource instanceof z.ZodObject ? z.object({ '@odata.context': odataContext, ...resource.shape }) : resource;
}

/**
 * A page of a collection: `@odata.context`, `@odata.count` when the operation takes `$count` and it was
 * asked for, `@odata.nextLink` while more remain, and the items in `value`.
 */
export function collectionBody(item: z.ZodType, countable: boolean): z.ZodType {
  return z.object({
    '@odata.context': odataContext,
    ...(countable
      ? {
          '@odata.count': z
            .int()
            .min(0)
            .meta({ description: 'With `$count=true`: how many items match, on every page.' })
            .optional(),
        }
      : {}),
    '@odata.nextLink': z
      .string()
      .meta({ description: 'URL of the next page (the same request with `$skiptoken`); absent on the last page.' })
      .optional(),
    value: z.array(item),
  });
}

/**
 * Graph types nested in the bodies become shared components instead of being inlined at each use.
 * Lookups not found here fall back to zod's global registry, which holds the models' `.meta()`.
 */
class ComponentRegistry extends z.core.$ZodRegistry<{ id?: string; description?: string }> {
  override get(schema: z.core.$ZodType) {
    return super.get(schema) ?? z.globalRegistry.get(schema);
  }
}
const nestedTypes = new ComponentRegistry()
  .add(identity, { id: 'microsoft.graph.identity' })
  .add(identitySet, { id: 'microsoft.graph.identitySet' })
  .add(inferenceData, { id: 'microsoft.graph.inferenceData' });

/** Converts zod schemas into `components.schemas`, moving each conversion's `$defs` there too. */
export class Components {
  private readonly schemas: Record<string, Json> = {};

  /**
   * Adds `schema` as the component `name` and returns a reference to it. A name that converts to two
   * different schemas (for instance a transform seen as input once and as output once) is an error,
   * not a silent pick.
   */
  add(name: string, schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
      metadata: nestedTypes,
    }) as Json;
    const { $schema: _dialect, $defs, ...body } = converted;
    for (const [defName, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      this.put(defName, rewriteDefRefs(def) as Json);
    }
    this.put(name, rewriteDefRefs(body) as Json);
    return schemaRef(name);
  }

  all(): Record<string, Json> {
    return sortKeys(this.schemas);
  }

  private put(name: string, schema: Json): void {
    const existing = this.schemas[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI component '${name}' converts to two different schemas.`);
    }
    this.schemas[name] = schema;
  }
}

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function rewriteDefRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteDefRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string'
        ? [key, child.replace(/^#\/\$defs\//, '#/components/schemas/')]
        : [key, rewriteDefRefs(child)],
    ),
  );
}

/** The Graph type a resource schema declares with an `@odata.type` literal (`#microsoft.graph.x` gives `microsoft.graph.x`). */
export function graphTypeOf(schema: z.ZodType | undefined): string | undefined {
  if (!(schema instanceof z.ZodObject)) return undefined;
  const odataType: unknown = schema.shape['@odata.type'];
  if (!(odataType instanceof z.ZodLiteral)) return undefined;
  const value: unknown = odataType.value;
  return typeof value === 'string' ? value.replace(/^#/, '') : undefined;
}

/** The object schema inside pipes and transforms (a query schema is an object piped into its parsed form). */
export function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  let current: unknown = schema;
  while (current instanceof z.ZodPipe) current = current.in;
  return current instanceof z.ZodObject ? current : undefined;
}
