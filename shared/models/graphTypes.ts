import { z } from 'zod';

/**
 * Building blocks for Graph's OData types in zod. Each model file declares its properties once and
 * derives the create-body and response schemas from that declaration.
 */

/** Graph's namespaces for the types served here; some profile clients send an internal namespace. */
const NAMESPACE_ALIASES = ['microsoft.graph', 'microsoft.fast.pi.viewgenerator.v2.profile.models'];

/**
 * A strict object for the Graph type `microsoft.graph.<name>`: an undeclared property is an error.
 * The error for undeclared keys carries the type's full name as its message; `toErrorDetails` turns
 * it into Graph's "The property 'X' does not exist on type 'T'." per key.
 */
export function graphObject<Shape extends z.ZodRawShape>(name: string, shape: Shape) {
  const fullName = `microsoft.graph.${name}`;
  return z.strictObject(
    { '@odata.type': odataType(name).optional(), ...shape },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `${UNDECLARED_PROPERTY_MARKER}${fullName}` : undefined) },
  );
}
export const UNDECLARED_PROPERTY_MARKER = 'undeclared-property-of:';

/** `@odata.type` may be sent; when it is, it must name this type (with or without '#', any case). */
function odataType(name: string) {
  const accepted = NAMESPACE_ALIASES.map((ns) => `${ns}.${name}`.toLowerCase());
  return z
    .string({ error: `must be a string naming microsoft.graph.${name}.` })
    .refine((value) => accepted.includes(value.replace(/^#/, '').toLowerCase()), {
      message: `must be '#microsoft.graph.${name}'.`,
    });
}

/** A Graph enum. `unknownFutureValue` is a sentinel for evolvable enums and is never a valid input. */
export function graphEnum<const Values extends readonly [string, ...string[]]>(typeName: string, values: Values) {
  return z.enum(values, { error: `must be one of the ${typeName} values: ${values.join(', ')}.` });
}

/**
 * A Graph flags enum serialized as comma-separated member names ("me,family"). Normalized to the
 * members in declaration order, each once.
 */
export function graphFlags<const Values extends readonly [string, ...string[]]>(typeName: string, values: Values) {
  const message = `must be one or more ${typeName} values separated by commas: ${values.join(', ')}.`;
  return z
    .string({ error: message })
    .transform((text, ctx) => {
      const members = text.split(',').map((member) => member.trim());
      if (members.some((member) => !(values as readonly string[]).includes(member))) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return values.filter((value) => members.includes(value)).join(',');
    })
    .meta({ description: `Comma-separated ${typeName} flags: ${values.join(', ')}` });
}

/** Edm.DateTimeOffset as ISO 8601 with a zone designator. */
export const dateTimeOffset = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date and time with an offset.',
});

/** Text without control, format (bidi, zero-width) or unpaired surrogate characters. */
export const plainText = (max: number) =>
  z
    .string({ error: 'must be a string.' })
    .max(max, `must be at most ${max} characters.`)
    .refine((text) => !/[\p{Cc}\p{Cf}\p{Cs}]/u.test(text), 'must not contain control or formatting characters.');

/** Makes every property of a create body optional and nullable: server-managed values the server replaces. */
export function serverManaged<Shape extends z.ZodRawShape>(shape: Shape) {
  return Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [key, (schema as z.ZodType).nullable().optional()]),
  ) as unknown as {
    [K in keyof Shape]: z.ZodOptional<z.ZodNullable<Shape[K]>>;
  };
}
