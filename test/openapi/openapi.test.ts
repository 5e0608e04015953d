/**
 * The OpenAPI document is generated from the zod models; these tests pin that the committed file is
 * current and that the generation kept what clients rely on: both operations, every accepted body
 * property, the required lists, the enum values, security from the permission table and the errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PERMISSIONS } from '../../shared/auth/permissions';
import { ROUTE_PREFIX } from '../../shared/http/graphResponses';
import { createItemPhoneBody, phoneType } from '../../shared/models/itemPhone';
import { authenticationPhoneType, authenticationMethodSignInState, createPhoneMethodBody } from '../../shared/models/phoneAuthenticationMethod';
import { buildOpenApiDocument } from '../../shared/openapi';
import { renderOpenApiDocument } from '../../scripts/openapi';

type Json = Record<string, any>;

const committedFile = path.resolve(__dirname, '..', '..', 'openapi.json');
const document = buildOpenApiDocument() as Json;

const PHONE_METHODS_PATH = '/users/{userId}/authentication/phoneMethods';
const PROFILE_PATHS = ['/users/{userId}/profile/phones', '/user/{userId}/profile/phones'];

/** Follows a local `$ref` (`#/components/...`) to the object it names. */
function resolve(node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((at: Json | undefined, segment: string) => at?.[segment], document);
  if (!target) throw new Error(`dangling $ref ${node.$ref}`);
  return resolve(target);
}

const post = (apiPath: string): Json => document.paths[apiPath]?.post;
const requestSchema = (apiPath: string) => resolve(post(apiPath).requestBody.content['application/json'].schema);
const createdSchema = (apiPath: string) => resolve(post(apiPath).responses['201'].content['application/json'].schema);

/** Every `$ref` anywhere in the document. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' ? [value as string] : refsIn(value)));
}

/** The string enum values a (possibly nullable) property schema allows. */
function enumValues(property: Json): string[] {
  const branches: Json[] = property.anyOf ?? [property];
  return branches.flatMap((branch) => resolve(branch).enum ?? []);
}

describe('openapi.json', () => {
  it('is the committed output of buildOpenApiDocument(), byte for byte (run `npm run openapi` when this fails)', () => {
    const committed = readFileSync(committedFile, 'utf8');
    expect(JSON.parse(committed)).toEqual(document);
    expect(committed).toBe(renderOpenApiDocument());
  });

  it('is OpenAPI 3.1 served under the route prefix, and every $ref resolves', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: `/${ROUTE_PREFIX}` }]);
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(() => resolve({ $ref: ref })).not.toThrow();
  });

  it('is deterministic', () => {
    expect(JSON.stringify(buildOpenApiDocument())).toBe(JSON.stringify(document));
  });
});

describe('operations', () => {
  it('has exactly the phone method and the two profile phone paths, each POST only, with unique operation ids', () => {
    expect(Object.keys(document.paths).sort()).toEqual([PHONE_METHODS_PATH, ...PROFILE_PATHS].sort());
    for (const apiPath of Object.keys(document.paths)) expect(Object.keys(document.paths[apiPath])).toEqual(['post']);
    const ids = Object.keys(document.paths).map((apiPath) => post(apiPath).operationId);
    expect(new Set(ids).size).toBe(3);
    expect(post(PHONE_METHODS_PATH).operationId).toBe('users.authentication.CreatePhoneMethods');
    expect(post('/users/{userId}/profile/phones').operationId).toBe('users.profile.CreatePhones');
  });

  it('declares the userId path parameter on every operation', () => {
    for (const apiPath of Object.keys(document.paths)) {
      expect(post(apiPath).parameters).toContainEqual(expect.objectContaining({ name: 'userId', in: 'path', required: true }));
    }
  });

  it.each<[string, boolean]>([[PHONE_METHODS_PATH, true], ...PROFILE_PATHS.map((p): [string, boolean] => [p, false])])(
    '%s answers 201 with @odata.context and the Graph error statuses (409 only for phone methods)',
    (apiPath, hasConflict) => {
      const responses = post(apiPath).responses;
      const expected = ['201', '400', '401', '403', ...(hasConflict ? ['409'] : []), '413', '415', '429', '500', '503'];
      expect(Object.keys(responses)).toEqual(expected);
      expect(Object.keys(responses['201'].headers)).toEqual(expect.arrayContaining(['Location', 'request-id', 'client-request-id']));
      const created = createdSchema(apiPath);
      expect(Object.keys(created.properties)[0]).toBe('@odata.context');
      expect(created.required).toContain('@odata.context');
      for (const status of expected.filter((s) => s !== '201')) {
        const response = resolve(responses[status]);
        expect(Object.keys(response.headers)).toEqual(expect.arrayContaining(['request-id', 'client-request-id']));
        expect(response.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/microsoft.graph.ODataErrors.ODataError' });
      }
      expect(Object.keys(resolve(responses['401']).headers)).toContain('WWW-Authenticate');
      expect(Object.keys(resolve(responses['429']).headers)).toContain('Retry-After');
      expect(Object.keys(resolve(responses['503']).headers)).toContain('Retry-After');
    },
  );

  it('uses one Graph error schema with code, message, details[{code,message,target}] and innerError ids', () => {
    const error = resolve({ $ref: '#/components/schemas/microsoft.graph.ODataErrors.ODataError' }).properties.error;
    expect(Object.keys(error.properties)).toEqual(['code', 'message', 'details', 'innerError']);
    expect(Object.keys(error.properties.details.items.properties)).toEqual(['code', 'message', 'target']);
    expect(Object.keys(error.properties.innerError.properties)).toEqual(['date', 'request-id', 'client-request-id']);
  });
});

describe('security', () => {
  it('offers each accepted delegated scope and application role as an alternative, from the permission table', () => {
    const alternatives = (apiPath: string) => post(apiPath).security.flatMap((requirement: Json) => requirement.azureAdJwt);
    const methods = PERMISSIONS.phoneMethods;
    expect(alternatives(PHONE_METHODS_PATH).sort()).toEqual([...new Set([...methods.delegated.others.scopes, ...methods.application!])].sort());
    const profile = PERMISSIONS.profilePhones;
    for (const apiPath of PROFILE_PATHS) {
      expect(alternatives(apiPath).sort()).toEqual([...new Set([...profile.delegated.self!.scopes, ...profile.delegated.others.scopes])].sort());
    }
    // One scope per requirement object: OpenAPI ANDs the scopes of one object, the service accepts any one.
    for (const apiPath of Object.keys(document.paths)) {
      for (const requirement of post(apiPath).security) expect(Object.values(requirement)).toEqual([[expect.any(String)]]);
    }
  });

  it('declares every scope an operation asks for in the scheme', () => {
    const flows = document.components.securitySchemes.azureAdJwt.flows;
    const declared = new Set([...Object.keys(flows.authorizationCode.scopes), ...Object.keys(flows.clientCredentials.scopes)]);
    for (const apiPath of Object.keys(document.paths)) {
      for (const requirement of post(apiPath).security) expect(declared).toContain(requirement.azureAdJwt[0]);
    }
  });
});

describe('request bodies', () => {
  /** What the zod create-body accepts and requires, read from the schema the handler parses with. */
  function zodShape(schema: z.ZodObject) {
    const keys = Object.keys(schema.shape);
    return { keys, required: keys.filter((key) => !schema.shape[key]!.safeParse(undefined).success) };
  }

  it.each([
    ['itemPhone', PROFILE_PATHS[0]!, createItemPhoneBody, ['number']],
    ['itemPhone (/user/)', PROFILE_PATHS[1]!, createItemPhoneBody, ['number']],
    ['phoneAuthenticationMethod', PHONE_METHODS_PATH, createPhoneMethodBody, ['phoneNumber', 'phoneType']],
  ] as const)('%s: every accepted property is declared, no other, and the required list is right', (_name, apiPath, body, required) => {
    const schema = requestSchema(apiPath);
    const shape = zodShape(body);
    expect(Object.keys(schema.properties)).toEqual(shape.keys);
    expect(schema.additionalProperties).toBe(false);
    expect(shape.required).toEqual(required);
    expect(schema.required).toEqual(required);
  });

  it('lists the enum values of the models, never unknownFutureValue', () => {
    const phoneMethod = requestSchema(PHONE_METHODS_PATH).properties;
    expect(enumValues(phoneMethod.phoneType)).toEqual(authenticationPhoneType.options);
    expect(enumValues(phoneMethod.smsSignInState)).toEqual(authenticationMethodSignInState.options);
    expect(enumValues(requestSchema(PROFILE_PATHS[0]!).properties.type)).toEqual(phoneType.options);
    expect(enumValues(createdSchema(PROFILE_PATHS[0]!).properties.type)).toEqual(phoneType.options);
    expect(JSON.stringify(document)).not.toContain('unknownFutureValue');
  });

  it('shares nested Graph types as components', () => {
    const createdBy = requestSchema(PROFILE_PATHS[0]!).properties.createdBy;
    expect(createdBy.anyOf).toContainEqual({ $ref: '#/components/schemas/microsoft.graph.identitySet' });
    expect(Object.keys(resolve({ $ref: '#/components/schemas/microsoft.graph.identitySet' }).properties)).toEqual(
      expect.arrayContaining(['user', 'application', 'device']),
    );
  });

  it('describes the response resources with every property the service returns as required', () => {
    const phoneMethod = createdSchema(PHONE_METHODS_PATH);
    expect(phoneMethod.required).toEqual(['@odata.context', '@odata.type', 'id', 'smsSignInState', 'createdDateTime', 'phoneNumber', 'phoneType']);
    expect(phoneMethod.properties['@odata.type'].const).toBe('#microsoft.graph.phoneAuthenticationMethod');
    expect(createdSchema(PROFILE_PATHS[0]!).required).toEqual(expect.arrayContaining(['id', 'number', 'allowedAudiences', 'createdBy']));
  });
});
