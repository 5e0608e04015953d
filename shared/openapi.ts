import { z } from 'zod';
import packageJson from '../package.json';
import { PERMISSIONS, type Endpoint } from './auth/permissions';
import {
  accessDenied,
  badRequest,
  conflict,
  generalException,
  invalidToken,
  payloadTooLarge,
  serviceNotAvailable,
  tooManyRequests,
  unsupportedMediaType,
  type GraphError,
  type GraphErrorDetail,
} from './http/graphErrors';
import { ROUTE_PREFIX } from './http/graphResponses';
import { requestIdHeaders } from './http/requestIds';
import { identity, identitySet } from './models/identitySet';
import { inferenceData } from './models/itemFacet';
import { createItemPhoneBody, itemPhoneResource, ITEM_PHONE_TYPE } from './models/itemPhone';
import {
  createPhoneMethodBody,
  phoneAuthenticationMethodResource,
  PHONE_AUTHENTICATION_METHOD_TYPE,
} from './models/phoneAuthenticationMethod';

/*
 * The OpenAPI 3.1 description of the service. Every body schema is generated from the zod models the
 * handlers validate with, so the document cannot drift from the code; only paths, parameters,
 * security and responses are assembled here. `npm run openapi` writes it to openapi.json.
 */

type Json = Record<string, unknown>;

const JSON_MEDIA_TYPE = 'application/json';
const SECURITY_SCHEME = 'azureAdJwt';

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

/** The 201 body: `@odata.context` first, then the resource (contract section 4). */
function withODataContext<Shape extends z.ZodRawShape>(resource: z.ZodObject<Shape>) {
  return z.object({ '@odata.context': z.string().meta({ description: 'OData context URL of the created entity.' }), ...resource.shape });
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

/** Component name of each top-level schema, and whether it describes what a client sends or receives. */
const TOP_LEVEL_SCHEMAS: Array<{ name: string; schema: z.ZodType; io: 'input' | 'output' }> = [
  { name: `${PHONE_AUTHENTICATION_METHOD_TYPE}.create`, schema: createPhoneMethodBody, io: 'input' },
  { name: PHONE_AUTHENTICATION_METHOD_TYPE, schema: withODataContext(phoneAuthenticationMethodResource), io: 'output' },
  { name: `${ITEM_PHONE_TYPE}.create`, schema: createItemPhoneBody, io: 'input' },
  { name: ITEM_PHONE_TYPE, schema: withODataContext(itemPhoneResource), io: 'output' },
  { name: 'microsoft.graph.ODataErrors.ODataError', schema: odataError, io: 'output' },
];

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Converts every top-level schema with zod, then moves each schema's `$defs` (the nested Graph types)
 * into components and points its `$ref`s there. A nested type that converts differently in two places
 * (for instance a transform seen as input in one and output in the other) is an error, not a silent pick.
 */
function componentSchemas(): Json {
  const components: Record<string, Json> = {};
  for (const { name, schema, io } of TOP_LEVEL_SCHEMAS) {
    const converted = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any', metadata: nestedTypes }) as Json;
    const { $schema: _dialect, $defs, ...body } = converted;
    for (const [defName, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      addComponent(components, defName, rewriteDefRefs(def) as Json);
    }
    addComponent(components, name, rewriteDefRefs(body) as Json);
  }
  return sortKeys(components);
}

function addComponent(components: Record<string, Json>, name: string, schema: Json): void {
  const existing = components[name];
  if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) {
    throw new Error(`OpenAPI component '${name}' converts to two different schemas.`);
  }
  components[name] = schema;
}

function rewriteDefRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteDefRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string' ? [key, child.replace(/^#\/\$defs\//, '#/components/schemas/')] : [key, rewriteDefRefs(child)],
    ),
  );
}

/** Component maps are keyed by name; sorting them keeps openapi.json stable whatever the insertion order. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// Security: the accepted scopes and roles come from the permission table the handlers enforce.
// ---------------------------------------------------------------------------------------------

/** Delegated scopes and application roles accepted for an endpoint, each once, in table order. */
function acceptedPermissions(endpoint: Endpoint): { delegated: string[]; application: string[] } {
  const { delegated, application } = PERMISSIONS[endpoint];
  const scopes = [...(delegated.self?.scopes ?? []), ...delegated.others.scopes];
  return { delegated: [...new Set(scopes)], application: [...(application ?? [])] };
}

/** OpenAPI requires all scopes of one requirement object; the service wants any one, so one object per scope. */
function securityRequirements(endpoint: Endpoint): Json[] {
  const { delegated, application } = acceptedPermissions(endpoint);
  return [...new Set([...delegated, ...application])].map((scope) => ({ [SECURITY_SCHEME]: [scope] }));
}

/** Restrictions the scope list cannot express (directory roles, self-service), as prose for the operation. */
function permissionNotes(endpoint: Endpoint): string {
  const { delegated, application } = PERMISSIONS[endpoint];
  const notes = [
    delegated.self
      ? `Delegated, own profile: one of ${delegated.self.scopes.join(', ')}.`
      : 'Delegated: a user cannot call this on their own account.',
    `Delegated, another user: one of ${delegated.others.scopes.join(', ')}` +
      (delegated.others.directoryRoles ? `, and a directory role (wids) of ${delegated.others.directoryRoles.join(', ')}.` : '.'),
    application ? `Application: one of the roles ${application.join(', ')}.` : 'Application-only tokens are not supported (403).',
  ];
  return notes.join(' ');
}

function securitySchemes(): Json {
  const endpoints = Object.keys(PERMISSIONS) as Endpoint[];
  const describe = (names: string[]) => Object.fromEntries([...new Set(names)].sort().map((name) => [name, `Accepted by: ${usedBy(name).join(', ')}`]));
  const usedBy = (name: string) =>
    endpoints.filter((endpoint) => {
      const { delegated, application } = acceptedPermissions(endpoint);
      return delegated.includes(name) || application.includes(name);
    });
  return {
    [SECURITY_SCHEME]: {
      type: 'oauth2',
      description:
        'Microsoft Entra ID access token (RS256 JWT) for this API, sent as `Authorization: Bearer`. ' +
        'Replace `organizations` with the tenant id for client credentials.',
      flows: {
        authorizationCode: {
          authorizationUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize',
          tokenUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token',
          scopes: describe(endpoints.flatMap((endpoint) => acceptedPermissions(endpoint).delegated)),
        },
        clientCredentials: {
          tokenUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token',
          scopes: describe(endpoints.flatMap((endpoint) => acceptedPermissions(endpoint).application)),
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Responses: status, code and extra headers are read from the error factories the handlers throw.
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
    names.map((name) => {
      const description = HEADER_DESCRIPTIONS[name];
      if (!description) throw new Error(`OpenAPI: no description for response header '${name}'.`);
      return [name, { description, schema: { type: 'string' } }];
    }),
  );
}

interface ErrorCase {
  error: GraphError;
  when: string;
  /** Only some endpoints can answer it. */
  endpoints?: Endpoint[];
}

/** One entry per error status of contract section 4; `when` is the contract's column. */
const ERROR_CASES: ErrorCase[] = [
  { error: badRequest(''), when: 'Bad JSON, validation failure, bad {userId}, or alternateMobile without mobile.' },
  { error: invalidToken('', true), when: 'No, malformed, expired, wrongly signed, or wrong issuer/audience/tenant token.' },
  { error: accessDenied('', []), when: 'Valid token without the permission, or not allowed on that user.' },
  { error: conflict(''), when: 'A phone method of that type exists.', endpoints: ['phoneMethods'] },
  { error: payloadTooLarge(0), when: 'Body over the configured limit.' },
  { error: unsupportedMediaType(), when: 'Content-Type is not JSON.' },
  { error: tooManyRequests(1), when: 'Storage throttled past retries.' },
  { error: generalException(), when: 'Anything unexpected; no internals in the body.' },
  { error: serviceNotAvailable('', 1), when: 'Storage or the token key set unreachable.' },
];

function errorResponses(): Json {
  return Object.fromEntries(
    ERROR_CASES.map(({ error, when }) => [
      error.code,
      {
        description: `${error.status} ${error.code}: ${when}`,
        headers: headerObjects([...REQUEST_ID_HEADERS, ...Object.keys(error.headers)]),
        content: { [JSON_MEDIA_TYPE]: { schema: schemaRef('microsoft.graph.ODataErrors.ODataError') } },
      },
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

interface Operation {
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  endpoint: Endpoint;
  requestSchema: string;
  responseSchema: string;
}

/**
 * The profile function's one route template accepts `users` (Graph, SDKs) and `user` (the seed);
 * OpenAPI has no regex segments, so each spelling is its own path. (The template is not imported:
 * loading a function module registers the function.)
 */
const PROFILE_COLLECTIONS = ['users', 'user'] as const;

const OPERATIONS: Operation[] = [
  {
    path: '/users/{userId}/authentication/phoneMethods',
    operationId: 'users.authentication.CreatePhoneMethods',
    summary: 'Create phoneAuthenticationMethod',
    tag: 'users.authentication',
    endpoint: 'phoneMethods',
    requestSchema: `${PHONE_AUTHENTICATION_METHOD_TYPE}.create`,
    responseSchema: PHONE_AUTHENTICATION_METHOD_TYPE,
  },
  ...PROFILE_COLLECTIONS.map((collection) => ({
    path: `/${collection}/{userId}/profile/phones`,
    operationId: `${collection}.profile.CreatePhones`,
    summary: collection === 'users' ? 'Create itemPhone' : 'Create itemPhone (the seed’s `/user/` spelling of the same operation)',
    tag: 'users.profile',
    endpoint: 'profilePhones' as const,
    requestSchema: `${ITEM_PHONE_TYPE}.create`,
    responseSchema: ITEM_PHONE_TYPE,
  })),
];

const USER_ID_PARAMETER = {
  name: 'userId',
  in: 'path',
  required: true,
  description: "The user's object id (a GUID, any case), or the caller's own user principal name.",
  schema: { type: 'string' },
};

const CLIENT_REQUEST_ID_PARAMETER = {
  name: 'client-request-id',
  in: 'header',
  required: false,
  description: 'Echoed in the response when it is 1 to 128 characters of letters, digits and ._:-',
  schema: { type: 'string' },
};

function operationObject(operation: Operation): Json {
  const errors = ERROR_CASES.filter(({ endpoints }) => !endpoints || endpoints.includes(operation.endpoint));
  return {
    tags: [operation.tag],
    summary: operation.summary,
    description: permissionNotes(operation.endpoint),
    operationId: operation.operationId,
    parameters: [USER_ID_PARAMETER, CLIENT_REQUEST_ID_PARAMETER],
    requestBody: {
      required: true,
      content: { [JSON_MEDIA_TYPE]: { schema: schemaRef(operation.requestSchema) } },
    },
    responses: {
      '201': {
        description: 'Created.',
        headers: headerObjects(['Location', 'OData-Version', ...REQUEST_ID_HEADERS]),
        content: { [JSON_MEDIA_TYPE]: { schema: schemaRef(operation.responseSchema) } },
      },
      ...Object.fromEntries(
        errors.map(({ error }) => [String(error.status), { $ref: `#/components/responses/${error.code}` }]),
      ),
    },
    security: securityRequirements(operation.endpoint),
  };
}

/** The whole document. Deterministic: the same code always gives the same JSON, key order included. */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: packageJson.name,
      version: packageJson.version,
      description: packageJson.description,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: `/${ROUTE_PREFIX}` }],
    paths: Object.fromEntries(OPERATIONS.map((operation) => [operation.path, { post: operationObject(operation) }])),
    components: {
      schemas: componentSchemas(),
      responses: errorResponses(),
      securitySchemes: securitySchemes(),
    },
  };
}
