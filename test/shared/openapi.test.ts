/**
 * The OpenAPI document is generated from the operation descriptors. These tests pin that the
 * committed file is what the descriptors give now, that every registered route is documented once
 * with its method, operation id, parameters and responses, that bodies are exactly the zod schemas
 * the pipeline validates with, that security is the permission table, and that the document is
 * structurally OpenAPI 3.1. Expectations are computed from the descriptors, so adding an operation
 * needs no change here.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { operations } from '../../functions/operations';
import { PERMISSIONS, type PermissionRow } from '../../shared/auth/permissions';
import { ROUTE_PREFIX } from '../../shared/http/graphResponses';
import { API_VERSIONS } from '../../shared/http/versions';
import type { Operation } from '../../shared/http/operation';
import { batchRegistrationsOf } from '../../shared/http/batch';
import { registrationsOf, type Registration } from '../../shared/http/pipeline';
import { phoneType } from '../../shared/models/itemPhone';
import {
  authenticationMethodSignInState,
  authenticationPhoneType,
} from '../../shared/models/phoneAuthenticationMethod';
import { buildOpenApiDocument } from '../../shared/openapi';
import { OUTPUT_FILE, openApiDrift, renderOpenApiDocument } from '../../scripts/openapi';
import { REQUEST_BODY_EXAMPLES } from '../../shared/openapi/examples';

type Json = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document these tests read; every object may instead be a local `$ref`. */
interface Referable {
  $ref?: string;
}
interface Schema extends Referable {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  prefixItems?: Schema[];
  enum?: string[];
}
interface Parameter extends Referable {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
}
interface Content {
  'application/json': { schema: Schema };
}
interface Response extends Referable {
  description: string;
  headers: Record<string, unknown>;
  content?: Content;
}
interface OperationObject {
  operationId: string;
  summary?: string;
  description: string;
  parameters: Parameter[];
  requestBody?: Referable & { required?: boolean; content: Content };
  responses: Record<string, Response>;
  security: Record<string, string[]>[];
}
interface SecurityScheme {
  type: string;
  flows?: Record<string, { tokenUrl?: string; scopes: Record<string, string> }>;
}
interface OpenApiDocument {
  openapi: string;
  info?: { title?: unknown; version?: unknown };
  paths: Record<string, Record<string, OperationObject>>;
  components: Record<string, Record<string, unknown>> & {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, SecurityScheme>;
  };
}

const document = buildOpenApiDocument(operations) as unknown as OpenApiDocument;
const registrations = registrationsOf(operations);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows a local `$ref` (`#/components/...`) to the object it names. */
function resolve<Node extends Referable>(node: Node): Node {
  if (typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>(
      (at, segment) => (at === null || typeof at !== 'object' ? undefined : (at as Json)[segment]),
      document,
    );
  if (!target) throw new Error(`dangling $ref ${node.$ref}`);
  return resolve(target as Node);
}

/** A schema with every `$ref` replaced by what it names, for comparing with a zod conversion that inlines. */
function inline(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inline);
  if (node === null || typeof node !== 'object') return node;
  if (typeof (node as Json).$ref === 'string') return inline(resolve(node as Referable));
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value)]));
}

/** Every `$ref` anywhere in the document. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' ? [value as string] : refsIn(value)));
}

/** Every operation object in the document, with where it is. */
const documented = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => HTTP_METHODS.includes(method))
    .map(([method, operation]) => ({ path, method, operation })),
);

/**
 * The OpenAPI paths of a registration, written independently of the generator: the prefix, then the
 * route with `{name:regex(^(a|b)$)}` as one path per word (the first is the main one).
 */
function expectedPaths(route: string): Array<{ path: string; main: boolean }> {
  const alternation = /\{\w+:regex\(\^\(([\w|]+)\)\$\)\}/.exec(route);
  const full = `${ROUTE_PREFIX ? `/${ROUTE_PREFIX}` : ''}/${route}`;
  if (!alternation) return [{ path: full, main: true }];
  return alternation[1]!
    .split('|')
    .map((word, index) => ({ path: full.replace(alternation[0], word), main: index === 0 }));
}

const expectations = registrations.flatMap((registration) =>
  expectedPaths(registration.route).map((where) => ({
    registration,
    ...where,
    method: registration.operation.method.toLowerCase(),
  })),
);

/** The operation at a path and method (undefined only where a test asserts that it is missing). */
const at = (path: string, method: string) => document.paths[path]?.[method] as OperationObject;
const label = ({ registration, path }: { registration: Registration; path: string }) => `${registration.name} ${path}`;

/** The object schema of a query option schema (an object piped into its parsed form). */
function queryObject(operation: Operation): z.ZodObject | undefined {
  let schema: unknown = operation.query;
  while (schema instanceof z.ZodPipe) schema = schema.in;
  return schema instanceof z.ZodObject ? schema : undefined;
}

/** What zod itself gives for a schema, without the generator's component registry. */
function zodJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Schema {
  const { $schema: _dialect, ...body } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Schema & { $schema?: string };
  return body;
}

describe('openapi.json', () => {
  it('is the committed output of the descriptors, byte for byte (run `npm run openapi` when this fails)', () => {
    const committed = readFileSync(OUTPUT_FILE, 'utf8');
    expect(JSON.parse(committed)).toEqual(document);
    expect(committed).toBe(renderOpenApiDocument());
    expect(openApiDrift()).toBeUndefined();
  });

  it('is deterministic', () => {
    expect(renderOpenApiDocument()).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(JSON.stringify(buildOpenApiDocument([...operations].reverse()))).toBe(JSON.stringify(document));
  });

  it('the --check logic reports a stale or missing file', () => {
    expect(openApiDrift(`${OUTPUT_FILE}.missing`)).toMatch(/missing/);
    expect(openApiDrift(__filename)).toMatch(/out of date/);
  });

  it('describes the service in its own terms', () => {
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/\bseed\b|contract section/i);
    expect(text).not.toContain('unknownFutureValue');
  });
});

describe('OpenAPI 3.1 structure', () => {
  /** Structural rules of the OpenAPI 3.1 specification this document can break, as a list of problems. */
  function problems(): string[] {
    const found: string[] = [];
    const check = (ok: unknown, problem: string) => {
      if (!ok) found.push(problem);
    };
    const only = (object: object, allowed: string[], where: string) => {
      for (const key of Object.keys(object))
        check(allowed.includes(key) || key.startsWith('x-'), `${where}: unknown field ${key}`);
    };
    only(
      document,
      [
        'openapi',
        'info',
        'jsonSchemaDialect',
        'servers',
        'paths',
        'webhooks',
        'components',
        'security',
        'tags',
        'externalDocs',
      ],
      'document',
    );
    check(/^3\.1\.\d+$/.test(document.openapi), 'openapi is not 3.1.x');
    check(
      typeof document.info?.title === 'string' && typeof document.info?.version === 'string',
      'info needs title and version',
    );
    only(
      document.components,
      [
        'schemas',
        'responses',
        'parameters',
        'examples',
        'requestBodies',
        'headers',
        'securitySchemes',
        'links',
        'callbacks',
        'pathItems',
      ],
      'components',
    );
    for (const kind of Object.keys(document.components)) {
      for (const name of Object.keys(document.components[kind] ?? {}))
        check(/^[a-zA-Z0-9.\-_]+$/.test(name), `components.${kind}: bad name ${name}`);
    }
    for (const [path, item] of Object.entries(document.paths)) {
      check(path.startsWith('/'), `${path}: does not start with /`);
      only(item, [...HTTP_METHODS, '$ref', 'summary', 'description', 'servers', 'parameters'], path);
    }
    const operationIds = documented.map(({ operation }) => operation.operationId);
    check(new Set(operationIds).size === operationIds.length, 'operationIds are not unique');
    for (const { path, method, operation } of documented) {
      const where = `${method} ${path}`;
      only(
        operation,
        [
          'tags',
          'summary',
          'description',
          'externalDocs',
          'operationId',
          'parameters',
          'requestBody',
          'responses',
          'callbacks',
          'deprecated',
          'security',
          'servers',
        ],
        where,
      );
      const parameters = (operation.parameters ?? []).map(resolve);
      const keys = parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
      check(new Set(keys).size === keys.length, `${where}: duplicate parameters`);
      for (const parameter of parameters) {
        check(
          ['query', 'header', 'path', 'cookie'].includes(parameter.in),
          `${where}: parameter ${parameter.name} in ${parameter.in}`,
        );
        check(
          'schema' in parameter !== 'content' in parameter,
          `${where}: parameter ${parameter.name} needs schema or content`,
        );
        if (parameter.in === 'path')
          check(parameter.required === true, `${where}: path parameter ${parameter.name} not required`);
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = parameters
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name)
        .sort();
      check(
        JSON.stringify(templated) === JSON.stringify(declared),
        `${where}: path parameters ${declared.join()} for template ${templated.join()}`,
      );
      if (operation.requestBody)
        check(
          Object.keys(resolve(operation.requestBody).content ?? {}).length > 0,
          `${where}: requestBody without content`,
        );
      const responses = Object.entries(operation.responses ?? {});
      check(responses.length > 0, `${where}: no responses`);
      for (const [status, response] of responses) {
        check(/^([1-5](\d\d|XX)|default)$/.test(status), `${where}: response key ${status}`);
        check(typeof resolve(response).description === 'string', `${where}: response ${status} without description`);
      }
      for (const requirement of operation.security ?? []) {
        for (const [scheme, scopes] of Object.entries(requirement)) {
          const definition = document.components.securitySchemes[scheme];
          check(definition, `${where}: unknown security scheme ${scheme}`);
          const flowScopes = Object.values(definition?.flows ?? {}).flatMap((flow) => Object.keys(flow.scopes));
          for (const scope of scopes)
            check(flowScopes.includes(scope), `${where}: scope ${scope} is not declared in ${scheme}`);
        }
      }
    }
    for (const [name, scheme] of Object.entries(document.components.securitySchemes)) {
      check(
        ['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(scheme.type),
        `securityScheme ${name}: type`,
      );
      for (const [flowName, flow] of Object.entries(scheme.flows ?? {})) {
        check(
          typeof flow.tokenUrl === 'string' || flowName === 'implicit',
          `securityScheme ${name}.${flowName}: tokenUrl`,
        );
        check(flow.scopes && typeof flow.scopes === 'object', `securityScheme ${name}.${flowName}: scopes`);
      }
    }
    for (const ref of refsIn(document)) {
      try {
        resolve({ $ref: ref });
      } catch (error) {
        found.push(String(error));
      }
    }
    const types = ['null', 'boolean', 'object', 'array', 'number', 'string', 'integer'];
    const walkSchema = (schema: unknown, where: string): void => {
      if (typeof schema === 'boolean') return;
      if (!schema || typeof schema !== 'object') return void found.push(`${where}: not a schema`);
      const node = schema as Schema;
      for (const type of [node.type ?? []].flat()) check(types.includes(type), `${where}: type ${type}`);
      const { properties } = node;
      if (node.required)
        check(
          node.required.every((name) => !properties || name in properties),
          `${where}: required names an undeclared property`,
        );
      for (const [name, child] of Object.entries(node.properties ?? {})) walkSchema(child, `${where}.${name}`);
      for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const)
        (node[key] ?? []).forEach((child, index) => walkSchema(child, `${where}.${key}[${index}]`));
      if (node.items !== undefined) walkSchema(node.items, `${where}.items`);
    };
    for (const [name, schema] of Object.entries(document.components.schemas)) walkSchema(schema, name);
    return found;
  }

  it('has no structural problem', () => {
    expect(problems()).toEqual([]);
    expect(refsIn(document).length).toBeGreaterThan(10);
  });
});

describe('registrations', () => {
  it('every registered route is documented once, with its method and operation id, and nothing else is', () => {
    const versions = operations.reduce((sum, operation) => sum + Object.keys(operation.versions).length, 0);
    expect(registrations.length).toBe(versions * 2);
    const operationsOnly = documented.filter(
      ({ operation }) => (operation as unknown as { tags: string[] }).tags[0] !== 'batch',
    );
    expect(operationsOnly).toHaveLength(expectations.length);
    for (const expectation of expectations) {
      const operation = at(expectation.path, expectation.method);
      expect({ where: label(expectation), present: operation !== undefined }).toEqual({
        where: label(expectation),
        present: true,
      });
      const { name } = expectation.registration;
      if (expectation.main) expect(operation.operationId).toBe(name);
      else expect(operation.operationId).toMatch(new RegExp(`^${name}\\.\\w+$`));
      expect(operation.summary).toBe(expectation.registration.operation.summary);
    }
    for (const { name } of registrations) {
      expect(documented.filter(({ operation }) => operation.operationId === name)).toHaveLength(1);
    }
  });

  it('$batch is documented once per batch registration, as POST with the batch envelope', () => {
    interface BatchOperation {
      tags: string[];
      operationId: string;
      requestBody: { content: Record<string, { schema: { properties: { requests: { maxItems: number } } } }> };
      responses: Record<string, unknown>;
    }
    const batches = batchRegistrationsOf(API_VERSIONS);
    const tagged = documented.filter(({ operation }) => (operation as unknown as BatchOperation).tags[0] === 'batch');
    expect(tagged).toHaveLength(batches.length);
    const batch = at('/beta/$batch', 'post') as unknown as BatchOperation;
    expect(batch.operationId).toBe(batches.find((registration) => registration.route.startsWith('beta/'))!.name);
    expect(batch.requestBody.content['application/json']!.schema.properties.requests.maxItems).toBe(20);
    expect(Object.keys(batch.responses)).toEqual(['200', '400', '401', '413', '415', '500', '503']);
  });

  it('profile phones are served on /users, /user and /me in beta only; phone methods on /users and /me in beta and v1.0', () => {
    const paths = Object.keys(document.paths);
    expect(ROUTE_PREFIX).toBe('');
    expect(paths).toEqual(
      expect.arrayContaining([
        '/beta/users/{userId}/profile/phones',
        '/beta/user/{userId}/profile/phones',
        '/beta/me/profile/phones',
      ]),
    );
    for (const version of ['beta', 'v1.0'])
      expect(paths).toEqual(
        expect.arrayContaining([
          `/${version}/users/{userId}/authentication/phoneMethods`,
          `/${version}/users/{userId}/authentication/phoneMethods/{id}`,
          `/${version}/me/authentication/phoneMethods`,
        ]),
      );
    expect(paths).not.toContain('/beta/user/{userId}/authentication/phoneMethods');
    expect(paths.filter((path) => path.startsWith('/v1.0/') && path.includes('/profile/'))).toEqual([]);
    expect(paths.every((path) => path.startsWith('/beta/') || path.startsWith('/v1.0/'))).toBe(true);
  });

  it.each(expectations.map((expectation) => [label(expectation), expectation] as const))(
    '%s: path and query parameters',
    (_label, expectation) => {
      const { operation: descriptor, me } = expectation.registration;
      const { parameters } = at(expectation.path, expectation.method);
      const path = parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
      expect(path).toEqual([
        ...(me ? [] : ['userId']),
        ...[...descriptor.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]),
      ]);
      for (const parameter of parameters) expect(parameter.description).toEqual(expect.any(String));
      const query = parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      const options = queryObject(descriptor);
      if (!descriptor.query) return expect(query).toEqual([]);
      expect(options).toBeDefined();
      // Every option of the schema is either a parameter or named as not supported; refused ones are not parameters.
      const { description } = at(expectation.path, expectation.method);
      for (const name of Object.keys(options!.shape)) {
        const refused = description.includes(name);
        expect({ name, documented: query.includes(name) !== refused }).toEqual({ name, documented: true });
      }
      for (const name of query) expect(options!.shape[name]).toBeDefined();
    },
  );

  it('documents $top, $select, $orderby, $skiptoken, $filter, $skip and $count where the query schema has them', () => {
    const withOptions = expectations.filter(({ registration }) => queryObject(registration.operation));
    expect(withOptions.length).toBeGreaterThan(0);
    for (const expectation of withOptions) {
      const keys = Object.keys(queryObject(expectation.registration.operation)!.shape);
      const operation = at(expectation.path, expectation.method);
      const byName = Object.fromEntries(operation.parameters.map((parameter) => [parameter.name, parameter]));
      const documented = ['$top', '$select', '$orderby', '$skiptoken', '$filter', '$skip', '$count'];
      for (const name of documented.filter((option) => keys.includes(option))) {
        expect(byName[name]).toMatchObject({
          in: 'query',
          required: false,
          description: expect.stringMatching(/\w{3}/) as unknown,
          schema: { type: 'string' },
        });
      }
      if (keys.includes('$top')) expect(byName.$top?.description).toMatch(/from 1 to \d+/);
      if (keys.includes('$skip'))
        expect(byName.$skip).toMatchObject({ description: expect.stringMatching(/from 0 to \d+/) as unknown });
      if (keys.includes('$count')) expect(byName.$count).toMatchObject({ schema: { enum: ['true', 'false'] } });
      if (keys.includes('$filter'))
        expect(byName.$filter).toMatchObject({
          description: expect.stringMatching(/has.*startswith.*and.*or.*not/) as unknown,
        });
      expect(operation.description).not.toMatch(/Not supported/);
    }
    const lists = expectations.filter(
      ({ registration }) => registration.response.collection && registration.operation.query,
    );
    expect(lists.map(({ registration }) => registration.operation.name)).toContain('listProfilePhones');
  });

  it.each(expectations.map((expectation) => [label(expectation), expectation] as const))(
    '%s: responses',
    (_label, expectation) => {
      const descriptor = expectation.registration.operation;
      const response = expectation.registration.response;
      const { responses } = at(expectation.path, expectation.method);
      const statuses = Object.keys(responses);
      const success = String(response.status);
      const hasBody = descriptor.body !== undefined;
      expect(statuses).toEqual([
        success,
        '400',
        '401',
        '403',
        '404',
        ...(hasBody ? ['409', '413', '415'] : []),
        '429',
        '500',
        '503',
      ]);
      const ok = responses[success]!;
      expect(Object.keys(ok.headers)).toEqual(expect.arrayContaining(['request-id', 'client-request-id']));
      if (response.status === 204) return expect(ok.content).toBeUndefined();
      if (response.status === 201) expect(Object.keys(ok.headers)).toContain('Location');
      const body = resolve(ok.content!['application/json'].schema);
      expect(Object.keys(body.properties!)[0]).toBe('@odata.context');
      expect(body.required).toContain('@odata.context');
      if (response.collection) {
        const counted = queryObject(descriptor)?.shape.$count !== undefined;
        expect(Object.keys(body.properties!)).toEqual([
          '@odata.context',
          ...(counted ? ['@odata.count'] : []),
          '@odata.nextLink',
          'value',
        ]);
        expect(body.required).toEqual(['@odata.context', 'value']);
        expect(body.properties!.value!.type).toBe('array');
      }
      for (const status of statuses.slice(1)) {
        const response = resolve(responses[status]!);
        expect(response.description).toMatch(new RegExp(`^${status} `));
        // Every operation names a user the directory may not have.
        if (status === '404') expect(response.description).toContain('Request_ResourceNotFound');
        expect(Object.keys(response.headers)).toEqual(expect.arrayContaining(['request-id', 'client-request-id']));
        expect(response.content!['application/json'].schema).toEqual({
          $ref: '#/components/schemas/microsoft.graph.ODataErrors.ODataError',
        });
      }
      expect(Object.keys(resolve(responses['401']!).headers)).toContain('WWW-Authenticate');
      expect(Object.keys(resolve(responses['429']!).headers)).toContain('Retry-After');
      expect(Object.keys(resolve(responses['503']!).headers)).toContain('Retry-After');
    },
  );

  it('uses one Graph error schema with code, message, details[{code,message,target}] and innerError ids', () => {
    const errorSchema: Schema = { $ref: '#/components/schemas/microsoft.graph.ODataErrors.ODataError' };
    const error = resolve(errorSchema).properties!.error!;
    const { details, innerError } = error.properties!;
    expect(Object.keys(error.properties!)).toEqual(['code', 'message', 'details', 'innerError']);
    expect(Object.keys(details!.items!.properties!)).toEqual(['code', 'message', 'target']);
    expect(Object.keys(innerError!.properties!)).toEqual(['date', 'request-id', 'client-request-id']);
  });
});

describe('schemas', () => {
  it.each(expectations.map((expectation) => [label(expectation), expectation] as const))(
    '%s: the request body is the zod body schema',
    (_label, expectation) => {
      const descriptor = expectation.registration.operation;
      const operation = at(expectation.path, expectation.method);
      if (!descriptor.body) return expect(operation.requestBody).toBeUndefined();
      expect(operation.requestBody!.required).toBe(true);
      expect(inline(operation.requestBody!.content['application/json'].schema)).toEqual(
        zodJsonSchema(descriptor.body, 'input'),
      );
    },
  );

  it.each(expectations.map((expectation) => [label(expectation), expectation] as const))(
    '%s: the success body is the zod resource schema',
    (_label, expectation) => {
      const { response } = expectation.registration;
      if (!response.schema) return;
      const content = inline(
        at(expectation.path, expectation.method).responses[String(response.status)]!.content!['application/json']
          .schema,
      ) as Schema;
      const resource = zodJsonSchema(response.schema, 'output');
      const entity = response.collection ? content.properties!.value!.items! : content;
      const { '@odata.context': context, ...properties } = entity.properties!;
      expect(properties).toEqual(resource.properties);
      if (response.collection) {
        expect(context).toBeUndefined();
        const selectable = at(expectation.path, expectation.method).parameters.some(
          (parameter) => parameter.name === '$select',
        );
        // With `$select` an item carries only the selected properties.
        expect(entity.required ?? []).toEqual(selectable ? [] : resource.required);
      } else {
        expect(context).toMatchObject({ type: 'string' });
        expect(entity.required).toEqual(['@odata.context', ...(resource.required ?? [])]);
      }
    },
  );

  it('lists the enum values of the models', () => {
    const enumValues = (property: Schema | undefined): string[] =>
      (property?.anyOf ?? [property ?? {}]).flatMap((branch) => resolve(branch).enum ?? []);
    const body = (name: string) =>
      resolve(
        at(`/beta/users/{userId}/${operations.find((o) => o.name === name)!.path}`, 'post').requestBody!.content[
          'application/json'
        ].schema,
      ).properties!;
    expect(enumValues(body('createPhoneMethod').phoneType)).toEqual(authenticationPhoneType.options);
    expect(enumValues(body('createPhoneMethod').smsSignInState)).toEqual(authenticationMethodSignInState.options);
    expect(enumValues(body('createProfilePhone').type)).toEqual(phoneType.options);
  });

  it('shares nested Graph types as components', () => {
    const create = at('/beta/users/{userId}/profile/phones', 'post');
    const createdBy = resolve(create.requestBody!.content['application/json'].schema).properties!.createdBy!;
    expect(createdBy.anyOf).toContainEqual({ $ref: '#/components/schemas/microsoft.graph.identitySet' });
    const identitySet: Schema = { $ref: '#/components/schemas/microsoft.graph.identitySet' };
    expect(Object.keys(resolve(identitySet).properties!)).toEqual(
      expect.arrayContaining(['user', 'application', 'device']),
    );
  });
});

describe('request body examples', () => {
  const withBody = operations.filter((operation) => operation.body !== undefined);

  it.each(withBody.map((operation) => [operation.name, operation] as const))(
    '%s: the example body is one the operation accepts, and the document carries it',
    (name, operation) => {
      const example = REQUEST_BODY_EXAMPLES[name];
      expect(example).toBeDefined();
      expect(operation.body!.safeParse(example).success).toBe(true);
      type DocumentedOperation = {
        operationId?: string;
        requestBody?: { content: Record<string, { example?: unknown }> };
      };
      const documented = Object.values(document.paths as Record<string, Record<string, DocumentedOperation>>)
        .flatMap((item) => Object.values(item))
        .filter((entry) => entry.operationId === name);
      expect(documented).toHaveLength(1);
      expect(documented[0]!.requestBody?.content['application/json']?.example).toEqual(example);
    },
  );

  it('names only operations that take a body', () => {
    expect(Object.keys(REQUEST_BODY_EXAMPLES).sort()).toEqual(withBody.map((operation) => operation.name).sort());
  });
});

describe('security', () => {
  /** What the permission row lets through on a registration: on /me only the self rule can apply. */
  function accepted(row: PermissionRow, me: boolean): string[] {
    const scopes = me
      ? [...(row.self?.scopes ?? [])]
      : [...(row.self?.scopes ?? []), ...row.others.scopes, ...(row.application ?? [])];
    return [...new Set(scopes)].sort();
  }

  it.each(expectations.map((expectation) => [label(expectation), expectation] as const))(
    '%s: one requirement per accepted scope or role',
    (_label, expectation) => {
      const { operation: descriptor, me } = expectation.registration;
      const row: PermissionRow = PERMISSIONS[descriptor.permission];
      const operation = at(expectation.path, expectation.method);
      // The last requirement is the bearer scheme OpenAPI tools send a pasted token with.
      const requirements = operation.security;
      expect(requirements.at(-1)).toEqual({ bearerToken: [] });
      const security = requirements.slice(0, -1);
      for (const requirement of security) expect(Object.keys(requirement)).toEqual(['azureAdJwt']);
      const scopes = accepted(row, me);
      if (scopes.length === 0) {
        expect(security).toEqual([{ azureAdJwt: [] }]);
        expect(operation.description).toMatch(/cannot perform this operation on their own account/);
        return;
      }
      for (const requirement of security) expect(requirement.azureAdJwt).toHaveLength(1);
      expect(security.map((requirement) => requirement.azureAdJwt?.[0]).sort()).toEqual(scopes);
      if (!me && row.others.directoryRoles) {
        for (const role of row.others.directoryRoles) expect(operation.description).toContain(role);
      }
      if (!me && !row.self) expect(operation.description).toMatch(/cannot perform this operation on their own account/);
      if (!me && !row.application) expect(operation.description).toMatch(/Application-only tokens are not supported/);
    },
  );

  it('declares exactly the scopes and roles the operations accept', () => {
    const flows = document.components.securitySchemes.azureAdJwt!.flows!;
    const rows = operations.map((operation): PermissionRow => PERMISSIONS[operation.permission]);
    const delegated = [...new Set(rows.flatMap((row) => [...(row.self?.scopes ?? []), ...row.others.scopes]))].sort();
    const application = [...new Set(rows.flatMap((row) => [...(row.application ?? [])]))].sort();
    expect(Object.keys(flows.authorizationCode!.scopes)).toEqual(delegated);
    expect(Object.keys(flows.clientCredentials!.scopes)).toEqual(application);
  });
});
