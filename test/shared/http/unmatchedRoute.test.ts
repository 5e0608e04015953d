import { HttpRequest, InvocationContext } from '@azure/functions';
import { operations } from '../../../functions/operations';
import { registrationsOf } from '../../../shared/http/pipeline';
import { UNMATCHED_ROUTE, unmatchedRouteHandler } from '../../../shared/http/unmatchedRoute';
import { compileRoute, matchRoute } from '../../../shared/http/routeTemplates';

/**
 * The catch-all function's handler, exactly as functions/index.ts registers it (over every
 * registration), called with real HttpRequest and InvocationContext objects as the host calls it.
 * test/local/localServer.test.ts drives the same function through the local server.
 */

const handler = unmatchedRouteHandler(registrationsOf(operations));

async function call(method: string, path: string) {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'zzUnmatchedRoute',
    invocationId: 'test',
    logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
  });
  const request = new HttpRequest({ method, url: `https://phones.contoso.example${path}`, headers: {} });
  const response = (await handler(request, context)) as {
    status: number;
    headers: Record<string, string>;
    body: string;
  };
  return {
    ...response,
    error: (JSON.parse(response.body) as { error: { code: string; message: string } }).error,
    logs,
  };
}

test('its route takes every path below /beta/ and /v1.0/ (the version alone too), nothing else', () => {
  const route = compileRoute('', UNMATCHED_ROUTE);
  expect(matchRoute(route, '/beta/a/b/c')).toEqual({ version: 'beta', path: 'a/b/c' });
  expect(matchRoute(route, '/V1.0/users')).toEqual({ version: 'V1.0', path: 'users' });
  expect(matchRoute(route, '/beta')).toEqual({ version: 'beta', path: '' });
  expect(matchRoute(route, '/v1x0/users')).toBeUndefined();
  expect(matchRoute(route, '/v2.0/users')).toBeUndefined();
});

test.each([
  ['GET', '/v1.0/users/u/profile/phones', 'profile'],
  ['POST', '/v1.0/me/profile/phones', 'profile'],
  ['GET', '/beta/users/u/authentication/passwordMethods', 'passwordMethods'],
  ['GET', '/beta/users/u/authentication/phoneMethods/x/y', 'y'],
  ['GET', '/beta/users/u', 'u'],
  ['GET', '/beta/users%2Fu/profile', 'users%2Fu'],
  ['GET', '/beta/sites/root', 'sites'],
  ['GET', '/v1.0/', 'v1.0'],
])('%s %s → 400 BadRequest naming %s', async (method, path, segment) => {
  const { status, error, headers, logs } = await call(method, path);
  expect(status).toBe(400);
  expect(error).toMatchObject({ code: 'BadRequest', message: `Resource not found for the segment '${segment}'.` });
  expect(headers['request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(logs).toHaveLength(1);
  expect(JSON.parse(logs[0]!)).toMatchObject({ event: 'request', status: 400, errorCode: 'BadRequest' });
  // The log line never carries the path: it can name a user.
  expect(logs[0]).not.toContain('/users/u');
});

test.each([
  ['DELETE', '/v1.0/users/u/authentication/phoneMethods', 'GET, POST'],
  ['PUT', '/beta/users/u/profile/phones/p', 'GET, PATCH, DELETE'],
  ['GET', '/beta/me/authentication/phoneMethods/m/disableSmsSignIn', 'POST'],
  ['PATCH', '/beta/user/u/profile/phones', 'GET, POST'],
])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
  const { status, error, headers } = await call(method, path);
  expect(status).toBe(405);
  expect(headers.Allow).toBe(allow);
  expect(error).toMatchObject({
    code: 'MethodNotAllowed',
    message: 'Specified HTTP method is not allowed for the request target.',
  });
});

test('a segment with a broken percent-encoding is a 400 saying so', async () => {
  const { status, error } = await call('GET', '/beta/users/%E0%A4%A/x');
  expect(status).toBe(400);
  expect(error.message).toBe('The request path is not correctly percent-encoded.');
});
