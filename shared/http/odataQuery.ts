import { z } from 'zod';
import { describeFilter, matchesFilter, parseFilter, type Filter, type FilterSpec } from './odataFilter';

/**
 * The list options of a collection: which properties `$select`, `$orderby` and `$filter` may name, and
 * paging bounds.
 */
export interface ListOptionsSpec<Property extends string, Filterable extends Property = Property> {
  selectable: readonly Property[];
  orderable: readonly Property[];
  filterable: FilterSpec<Filterable>;
  defaultTop: number;
  maxTop: number;
  /** The largest `$skip`: past the most items a collection can hold, a page could only be empty. */
  maxSkip: number;
}

interface OrderBy<Property extends string> {
  property?: Property;
  descending: boolean;
}

export interface ListQuery<Property extends string> {
  top: number;
  select?: Property[];
  orderBy: OrderBy<Property>;
  /** Only the items it holds for are listed (and counted). */
  filter?: Filter;
  /** Matching items passed over before the first page; a page after a skip token skips none. */
  skip: number;
  /** Whether the answer carries `@odata.count`: how many items match, on every page. */
  count: boolean;
  /** The sort key of the last item already returned. */
  after?: SortKey;
}

type SortValue = string | null;
/** `[ordered property value (when $orderby names one), createdDateTime, id]`: unique per item. */
type SortKey = SortValue[];

const sortKeySchema = z
  .array(z.union([z.string().max(1_000), z.null()]))
  .min(2)
  .max(3);

/**
 * The zod schema of a collection's query options. `$skiptoken` is opaque to clients: the sort key of
 * the last item returned, so following nextLinks returns every item once even while items are added
 * or removed between pages. A token that does not decode, or that belongs to another `$orderby`, is a 400.
 */
export function listQueryOptions<Property extends string, Filterable extends Property>(
  spec: ListOptionsSpec<Property, Filterable>,
) {
  return z
    .strictObject({
      $top: z
        .string()
        .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${spec.maxTop}.`)
        .transform(Number)
        .refine((top) => top >= 1 && top <= spec.maxTop, `must be a whole number from 1 to ${spec.maxTop}.`)
        .optional(),
      $select: z
        .string()
        .transform((text, ctx) => {
          const names = text.split(',').map((name) => name.trim());
          const unknown = names.filter((name) => !(spec.selectable as readonly string[]).includes(name));
          if (unknown.length > 0) {
            ctx.addIssue({
              code: 'custom',
              message: `names properties that cannot be selected: ${unknown.join(', ')}. Selectable: ${spec.selectable.join(', ')}.`,
            });
            return z.NEVER;
          }
          return spec.selectable.filter((name) => names.includes(name));
        })
        .optional(),
      $orderby: z
        .string()
        .transform((text, ctx): OrderBy<Property> => {
          const match = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/i.exec(text);
          const property = match?.[1] as Property | undefined;
          if (!match || !spec.orderable.includes(property!)) {
            ctx.addIssue({
              code: 'custom',
              message: `must be one of ${spec.orderable.join(', ')}, optionally followed by asc or desc.`,
            });
            return z.NEVER;
          }
          return { property, descending: match[2]?.toLowerCase() === 'desc' };
        })
        .optional(),
      $skiptoken: z.string().max(4_096).optional(),
      $filter: z
        .string()
        .transform((text, ctx): Filter => {
          const parsed = parseFilter(text, spec.filterable);
          if ('filter' in parsed) return parsed.filter;
          ctx.addIssue({ code: 'custom', message: parsed.error });
          return z.NEVER;
        })
        .optional()
        .meta({ description: describeFilter(spec.filterable) }),
      $skip: z
        .string()
        .regex(/^\d{1,4}$/, `must be a whole number from 0 to ${spec.maxSkip}.`)
        .transform(Number)
        .refine((skip) => skip <= spec.maxSkip, `must be a whole number from 0 to ${spec.maxSkip}.`)
        .optional(),
      $count: z.enum(['true', 'false'], { error: 'must be true or false.' }).optional(),
    })
    .transform((options, ctx): ListQuery<Property> => {
      const orderBy = options.$orderby ?? { descending: false };
      const query: ListQuery<Property> = {
        top: options.$top ?? spec.defaultTop,
        select: options.$select,
        orderBy,
        filter: options.$filter,
        skip: options.$skip ?? 0,
        count: options.$count === 'true',
      };
      if (options.$skiptoken === undefined) return query;
      const after = decodeSkipToken(options.$skiptoken, orderBy);
      if (!after) {
        ctx.addIssue({
          code: 'custom',
          path: ['$skiptoken'],
          message: 'is not a token this service issued for this query.',
        });
        return z.NEVER;
      }
      return { ...query, after };
    });
}

function orderTag(orderBy: OrderBy<string>): string {
  return `${orderBy.property ?? ''} ${orderBy.descending ? 'desc' : 'asc'}`;
}

function encodeSkipToken(key: SortKey, orderBy: OrderBy<string>): string {
  return Buffer.from(JSON.stringify({ o: orderTag(orderBy), k: key })).toString('base64url');
}

function decodeSkipToken(token: string, orderBy: OrderBy<string>): SortKey | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; k?: unknown };
    const key = sortKeySchema.safeParse(decoded.k);
    const expectedLength = orderBy.property ? 3 : 2;
    if (decoded.o !== orderTag(orderBy) || !key.success || key.data.length !== expectedLength) return undefined;
    return key.data;
  } catch {
    return undefined;
  }
}

/** OData orders null before any value; strings compare by code unit, so the order is total and stable. */
function compareKeys(a: SortKey, b: SortKey): number {
  for (let index = 0; index < a.length; index += 1) {
    const x = a[index] ?? null;
    const y = b[index] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Listable = { id: string; createdDateTime: string };

/**
 * One page of a collection: the items `$filter` holds for, sorted by the `$orderby` property (if any),
 * then `createdDateTime`, then `id`; the items after the skip token, or else after the first `$skip`;
 * at most `$top`; only the `$select`ed properties; while more remain, the skip token of the next page;
 * and with `$count`, how many items match.
 */
export function pageOf<Item extends Listable, Property extends string>(
  all: readonly Item[],
  query: ListQuery<Property>,
): { items: Record<string, unknown>[]; skipToken?: string; count?: number } {
  const filter = query.filter;
  const items = filter ? all.filter((item) => matchesFilter(filter, item)) : all;
  const count = query.count ? items.length : undefined;
  const direction = query.orderBy.descending ? -1 : 1;
  const keyOf = (item: Item): SortKey => {
    const tail = [item.createdDateTime, item.id];
    if (!query.orderBy.property) return tail;
    const value = (item as Record<string, unknown>)[query.orderBy.property];
    return [typeof value === 'string' ? value : null, ...tail];
  };
  const sorted = items
    .map((item) => ({ item, key: keyOf(item) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key))
    .filter(({ key }) => !query.after || direction * compareKeys(key, query.after) > 0);
  const start = query.after ? 0 : query.skip;
  const page = sorted.slice(start, start + query.top);
  const selected = page.map(({ item }) => (query.select ? pick(item, query.select) : item));
  if (sorted.length <= start + query.top) return { items: selected, count };
  return { items: selected, skipToken: encodeSkipToken(page.at(-1)!.key, query.orderBy), count };
}

function pick(item: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(properties.map((name) => [name, item[name]]));
}
