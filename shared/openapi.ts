import { z } from 'zod';
import { operations as allOperations } from '../functions/operations';
import packageJson from '../package.json';
import * as permissionTable from './auth/permissions';
import { PERMISSIONS, type PermissionRow } from './auth/permissions';
import {
  accessDenied,
  badRequest,
  conflict,
  generalException,
  invalidToken,
  itemNotFound,
  payloadTooLarge,
  quotaLimitReached,
  serviceNotAvailable,
  tooManyRequests,
  unsupportedMediaType,
  type GraphError,
  type GraphErrorDetail,
} from './http/graphErrors';
import { ROUTE_PREFIX } from './http/graphResponses';
import type { HttpMethod, Operation } from './http/operation';
import { registrationsOf, type Registration } from './http/pipeline';
import { requestIdHeaders } from './http/requestIds';
import { identity, identitySet } from './models/identitySet';
import { inferenceData } from './models/itemFacet';

/*
 * The OpenAPI 3.1 description of the service, generated from the operation descriptors: one path
 * item per registered route, one operation per registration. Every body schema is converted from the
 * zod schema the pipeline validates with, security comes from the permission table `authorize`
 * enforces, and nothing here is written per operation, so a new descriptor is documented by
 * regenerating. `npm run openapi` writes the document to openapi.json.
 */

type Json = Record<string, unknown>;

const JSON_MEDIA_TYPE = 'application/json';
const SECURITY_SCHEME = 'azureAdJwt';
const ERROR_SCHEMA = 'microsoft.graph.ODataErrors.ODataError';

// ---------------------------------------------------------------------------------------------
// Schemas: zod conversions, with nested Graph types shared as components.
// ---------------------------------------------------------------------------------------------

/** Graph's error body; typed against GraphErrorDetail so a change there breaks this schema's build. */
const odataError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ code: z.string(), message: z.string(), target: z.string() })) satisfies z.ZodType<GraphErrorDetail[]>,
    innerError: z.object({
      date: z.string().meta({ description: 'UTC time of the failure, ISO 8601 without fraction or zone.' }),
      'request-id': z.string(),
      'client-request-id': z.string(),
    }),
  }),
});

const odataContext = z.string().meta({ description: 'OData context URL: the entity set, ending in `/$entity` for a single entity.' });

/** A single entity as answered (201 and 200): `@odata.context` first, then the resource. */
function entityBody(resource: z.ZodType): z.ZodType {
  return resource instanceof z.ZodObject ? z.object({ '@odata.context': odataContext, ...resource.shape }) : resource;
}

/** A page of a collection: `@odata.context`, `@odata.nextLink` while more remain, and the items in `value`. */
function collectionBody(item: z.ZodType): z.ZodType {
  return z.object({
    '@odata.context': odataContext,
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
class Components {
  private readonly schemas: Record<string, Json> = {};

  /**
   * Adds `schema` as the component `name` and returns a reference to it. A name that converts to two
   * different schemas (for instance a transform seen as input once and as output once) is an error,
   * not a silent pick.
   */
  add(name: string, schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any', metadata: nestedTypes }) as Json;
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

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function rewriteDefRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteDefRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string' ? [key, child.replace(/^#\/\$defs\//, '#/components/schemas/')] : [key, rewriteDefRefs(child)],
    ),
  );
}

/** Maps keyed by name are sorted so openapi.json is stable whatever the insertion order. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/** The Graph type a resource schema declares with an `@odata.type` literal (`#microsoft.graph.x` gives `microsoft.graph.x`). */
function graphTypeOf(schema: z.ZodType | undefined): string | undefined {
  if (!(schema instanceof z.ZodObject)) return undefined;
  const odataType = schema.shape['@odata.type'];
  if (!(odataType instanceof z.ZodLiteral)) return undefined;
  const value = odataType.value;
  return typeof value === 'string' ? value.replace(/^#/, '') : undefined;
}

/** The object schema inside pipes and transforms (a query schema is an object piped into its parsed form). */
function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  let current: unknown = schema;
  while (current instanceof z.ZodPipe) current = current.in;
  return current instanceof z.ZodObject ? current : undefined;
}

// ---------------------------------------------------------------------------------------------
// Routes: the Functions route templates in OpenAPI path syntax.
// ---------------------------------------------------------------------------------------------

interface DocumentedPath {
  /** e.g. `/beta/users/{userId}/profile/phones` */
  path: string;
  /** The literals chosen for regex segments other than their first alternative: empty for the main path. */
  alternates: string[];
}

const TEMPLATE_SEGMENT = /^\{(\w+)(?::(.*))?\}$/;
/** A route constraint that accepts a fixed list of words, `regex(^(users|user)$)`. */
const ALTERNATION = /^regex\(\^\(([\w|]+)\)\$\)$/;

/**
 * OpenAPI has no regex segments: a segment constrained to a list of words becomes one path per word.
 * Other constraints are dropped (`{id:guid}` is `{id}`).
 */
function documentedPaths(route: string): DocumentedPath[] {
  let paths: DocumentedPath[] = [{ path: `/${ROUTE_PREFIX}`, alternates: [] }];
  for (const segment of route.split('/')) {
    const template = TEMPLATE_SEGMENT.exec(segment);
    const constraint = template?.[2];
    const alternation = constraint ? ALTERNATION.exec(constraint) : null;
    if (constraint && !alternation && constraint.startsWith('regex(')) {
      throw new Error(`OpenAPI: cannot express the route segment '${segment}'.`);
    }
    const words = alternation ? alternation[1]!.split('|') : [template ? `{${template[1]}}` : segment];
    paths = paths.flatMap(({ path, alternates }) =>
      words.map((word, index) => ({ path: `${path}/${word}`, alternates: index === 0 ? alternates : [...alternates, word] })),
    );
  }
  return paths;
}

/** The main path keeps the registration's name; another spelling of the same route appends its literal. */
const operationIdOf = (registration: Registration, { alternates }: DocumentedPath) => [registration.name, ...alternates].join('.');

const templateNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const PATH_PARAMETER_DESCRIPTIONS: Record<string, string> = {
  userId: "The user's object id (a GUID, any case), or the signed-in user's own user principal name.",
  id: "The item's id, as answered when it was created or listed.",
};

const CLIENT_REQUEST_ID_PARAMETER = {
  name: 'client-request-id',
  in: 'header',
  required: false,
  description: 'Echoed in the response when it is 1 to 128 characters of letters, digits and ._:-',
  schema: { type: 'string' },
};

function pathParameters(operation: Operation, path: string): Json[] {
  const declared = operation.params ? ((z.toJSONSchema(operation.params, { io: 'input', unrepresentable: 'any' }) as Json).properties as Record<string, Json>) : {};
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
  const probes = ['0', '1', 'x', 'true', 'false', ...resourceProperties, ...resourceProperties.flatMap((name) => [`${name} desc`, `${name} eq '1'`])];
  return !probes.some((probe) => field.safeParse(probe).success);
}

/** The item properties a list or entity answers, for probing what the query options accept. */
function resourcePropertiesOf(operation: Operation): string[] {
  const resource = operation.response.schema;
  return resource instanceof z.ZodObject ? Object.keys(resource.shape).filter((name) => !name.startsWith('@')) : [];
}

interface QueryDocumentation {
  parameters: Json[];
  refused: string[];
}

const queryDocumentations = new WeakMap<Operation, QueryDocumentation>();

/** Query parameters from the keys of the operation's query schema; each operation is probed once. */
function queryDocumentation(operation: Operation): QueryDocumentation {
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

// ---------------------------------------------------------------------------------------------
// Security: the accepted scopes and roles come from the permission table `authorize` enforces.
// ---------------------------------------------------------------------------------------------

/**
 * Scopes and roles that can succeed on a registration, each once, in table order. On `/me` the caller
 * is the user acted on and app-only tokens have no user, so only the self rule applies.
 */
export function acceptedPermissions(row: PermissionRow, me: boolean): string[] {
  const self = row.self?.scopes ?? [];
  return me ? unique(self) : unique([...self, ...row.others.scopes, ...(row.application ?? [])]);
}

/**
 * OpenAPI requires all scopes of one requirement object; the service wants any one, so one object per
 * scope. A registration no token can pass still needs a token, which an empty scope list says.
 */
function securityRequirements(registration: Registration): Json[] {
  const accepted = acceptedPermissions(PERMISSIONS[registration.operation.permission], registration.me);
  return accepted.length === 0 ? [{ [SECURITY_SCHEME]: [] }] : accepted.map((scope) => ({ [SECURITY_SCHEME]: [scope] }));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Directory role names from the constants the permission module exports (`GLOBAL_READER` is "Global Reader"). */
const DIRECTORY_ROLE_NAMES = new Map(
  (Object.entries(permissionTable) as Array<[string, unknown]>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && GUID.test(entry[1]))
    .map(([constant, id]) => [id, constant.split('_').map((word) => word[0] + word.slice(1).toLowerCase()).join(' ')]),
);
const roleName = (id: string) => {
  const name = DIRECTORY_ROLE_NAMES.get(id);
  return name ? `${name} (${id})` : id;
};

const oneOf = (names: readonly string[]) => unique(names).join(', ');

/** Restrictions the scope list cannot express (directory roles, self-service, app-only), as prose. */
function permissionNotes({ operation, me }: Registration): string {
  const row: PermissionRow = PERMISSIONS[operation.permission];
  if (me) {
    return [
      row.self
        ? `Acts on the signed-in user. Delegated: one of ${oneOf(row.self.scopes)}.`
        : 'Users cannot perform this operation on their own account: every call is answered 403.',
      'Application-only tokens have no signed-in user: 400.',
    ].join(' ');
  }
  const { self, others, application } = row;
  return [
    self ? `Delegated, own account: one of ${oneOf(self.scopes)}.` : 'Delegated: users cannot perform this operation on their own account (403).',
    `Delegated, another user: one of ${oneOf(others.scopes)}` +
      (others.directoryRoles ? `, and one of the directory roles (wids) ${oneOf(others.directoryRoles.map(roleName))}.` : '.'),
    application ? `Application: one of the roles ${oneOf(application)}.` : 'Application-only tokens are not supported (403).',
  ].join(' ');
}

function securitySchemes(operations: readonly Operation[]): Json {
  const rows = operations.map((operation) => ({ name: operation.name, row: PERMISSIONS[operation.permission] as PermissionRow }));
  const delegated = ({ row }: (typeof rows)[number]) => [...(row.self?.scopes ?? []), ...row.others.scopes];
  const application = ({ row }: (typeof rows)[number]) => [...(row.application ?? [])];
  const describe = (of: typeof delegated) =>
    Object.fromEntries(
      unique(rows.flatMap(of))
        .sort(compare)
        .map((scope) => [scope, `Accepted by: ${unique(rows.filter((entry) => of(entry).includes(scope)).map(({ name }) => name)).sort(compare).join(', ')}`]),
    );
  const tokenUrl = 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token';
  return {
    [SECURITY_SCHEME]: {
      type: 'oauth2',
      description:
        'Microsoft Entra ID access token (RS256 JWT) for this API, sent as `Authorization: Bearer`. ' +
        'Replace `organizations` with the tenant id for client credentials.',
      flows: {
        authorizationCode: {
          authorizationUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize',
          tokenUrl,
          scopes: describe(delegated),
        },
        clientCredentials: { tokenUrl, scopes: describe(application) },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Responses: status, code and extra headers are read from the error factories the pipeline throws.
// ---------------------------------------------------------------------------------------------

/** The header names every response carries, taken from the function that sets them. */
const REQUEST_ID_HEADERS = Object.keys(requestIdHeaders({ requestId: '', clientRequestId: '' }));

const HEADER_DESCRIPTIONS: Record<string, string> = {
  'request-id': 'A new GUID identifying this request.',
  'client-request-id': "The caller's client-request-id when it is a reasonable token, else equal to request-id.",
  Location: 'URL of the created entity.',
  'OData-Version': 'Always 4.0.',
  'WWW-Authenticate': 'RFC 6750 Bearer challenge.',
  'Retry-After': 'Seconds to wait before retrying.',
};

function headerObjects(names: string[]): Json {
  return Object.fromEntries(
    unique(names).map((name) => {
      const description = HEADER_DESCRIPTIONS[name];
      if (!description) throw new Error(`OpenAPI: no description for response header '${name}'.`);
      return [name, { description, schema: { type: 'string' } }];
    }),
  );
}

const hasPathKey = (operation: Operation) => templateNames(operation.path).length > 0;
const readsBody = (operation: Operation) => operation.body !== undefined;

interface ErrorStatus {
  /** The errors answered with this status; the first one's code names the shared response. */
  errors: [GraphError, ...GraphError[]];
  when: string;
  /** Only operations this accepts can answer it; every operation when absent. */
  appliesTo?: (operation: Operation) => boolean;
}

/** The Graph error statuses, each with the errors the pipeline and the operations throw for it. */
const ERROR_STATUSES: ErrorStatus[] = [
  {
    errors: [badRequest('')],
    when: 'Malformed JSON, a validation failure, an invalid {userId}, /me with an application-only token, or a query option the operation does not support or that is malformed.',
  },
  { errors: [invalidToken('', true)], when: 'No, malformed, expired, wrongly signed, or wrong issuer/audience/tenant token.' },
  { errors: [accessDenied('', [])], when: 'Valid token without the permission, or not allowed on that user.' },
  { errors: [itemNotFound('')], when: 'No item with that id exists for this user.', appliesTo: hasPathKey },
  {
    errors: [conflict(''), quotaLimitReached(0)],
    when: 'The change collides with an existing item, or the user already has the maximum number of items.',
    appliesTo: readsBody,
  },
  { errors: [payloadTooLarge(0)], when: 'Body over the configured limit.', appliesTo: readsBody },
  { errors: [unsupportedMediaType()], when: 'Content-Type is not JSON.', appliesTo: readsBody },
  { errors: [tooManyRequests(1)], when: 'Storage throttled past retries.' },
  { errors: [generalException()], when: 'Anything unexpected; no internals in the body.' },
  { errors: [serviceNotAvailable('', 1)], when: 'Storage or the token key set unreachable.' },
];

const statusOf = ({ errors }: ErrorStatus) => errors[0].status;

function errorResponses(): Json {
  return Object.fromEntries(
    ERROR_STATUSES.map((entry) => [
      entry.errors[0].code,
      {
        description: `${statusOf(entry)} ${entry.errors.map(({ code }) => code).join(' or ')}: ${entry.when}`,
        headers: headerObjects([...REQUEST_ID_HEADERS, ...entry.errors.flatMap((error) => Object.keys(error.headers))]),
        content: { [JSON_MEDIA_TYPE]: { schema: schemaRef(ERROR_SCHEMA) } },
      },
    ]),
  );
}

function successResponse(operation: Operation, components: Components, query: QueryDocumentation): [string, Json] {
  const { status, schema, collection } = operation.response;
  const odataHeaders = ['OData-Version', ...REQUEST_ID_HEADERS];
  if (status === 204 || !schema) {
    return [String(status), { description: 'Success, no content.', headers: headerObjects(REQUEST_ID_HEADERS) }];
  }
  const type = graphTypeOf(schema);
  if (collection) {
    // With `$select` an item holds only the selected properties, so none is required.
    const selectable = query.parameters.some(({ name }) => name === '$select');
    const item = selectable && schema instanceof z.ZodObject ? schema.partial() : schema;
    const ref = components.add(`${type ?? operation.name}CollectionResponse`, collectionBody(item), 'output');
    return [
      String(status),
      {
        description: 'A page of the collection; follow `@odata.nextLink` for the next one.',
        headers: headerObjects(odataHeaders),
        content: { [JSON_MEDIA_TYPE]: { schema: ref } },
      },
    ];
  }
  const ref = components.add(type ?? `${operation.name}Response`, entityBody(schema), 'output');
  return [
    String(status),
    {
      description: status === 201 ? 'Created.' : 'The entity.',
      headers: headerObjects(status === 201 ? ['Location', ...odataHeaders] : odataHeaders),
      content: { [JSON_MEDIA_TYPE]: { schema: ref } },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/** Path item keys in the order they are written. */
const METHOD_ORDER: readonly HttpMethod[] = ['GET', 'POST', 'PATCH', 'DELETE'];

/** The component name of an operation's request body. */
export const requestBodyComponent = (operation: Operation) => `${operation.name}RequestBody`;

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
            content: { [JSON_MEDIA_TYPE]: { schema: components.add(requestBodyComponent(operation), operation.body, 'input') } },
          },
        }
      : {}),
    responses: Object.fromEntries([
      successResponse(operation, components, query),
      ...errors.map((entry): [string, Json] => [String(statusOf(entry)), { $ref: `#/components/responses/${entry.errors[0].code}` }]),
    ]),
    security: securityRequirements(registration),
  };
}

function pathItems(operations: readonly Operation[], components: Components): Json {
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
        Object.fromEntries(METHOD_ORDER.filter((method) => item[method]).map((method) => [method.toLowerCase(), item[method]])),
      ]),
    ),
  );
}

/**
 * The whole document for a list of operations (every served operation by default). Deterministic:
 * the same descriptors always give the same JSON, key order included.
 */
export function buildOpenApiDocument(operations: readonly Operation[] = allOperations): Record<string, unknown> {
  const components = new Components();
  components.add(ERROR_SCHEMA, odataError, 'output');
  const paths = pathItems(operations, components);
  return {
    openapi: '3.1.0',
    info: {
      title: packageJson.name,
      version: packageJson.version,
      description: packageJson.description,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components.all(),
      responses: errorResponses(),
      securitySchemes: securitySchemes(operations),
    },
  };
}
