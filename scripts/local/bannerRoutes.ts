import { operations } from '../../functions/operations';
import { registrationsOf } from '../../shared/http/pipeline';
import { documentedPaths } from '../../shared/openapi/routes';
import type { RegisteredFunction } from './functionHost';

/**
 * The served routes as a person writes them (`GET /beta/users/{userId}/profile/phones`), grouped by
 * resource: each recorded function's operation registration, written as OpenAPI writes its main path
 * (functions that serve no operation, if any, are not routes to call). The `/me` spellings are
 * summed up in the heading.
 */
export function routeLines(functions: readonly RegisteredFunction[]): string[] {
  const registrations = new Map(registrationsOf(operations).map((registration) => [registration.name, registration]));
  const groups = new Map<string, string[]>();
  const meBases = new Set<string>();
  for (const fn of functions) {
    const registration = registrations.get(fn.name);
    if (!registration) continue;
    const { path } = documentedPaths(registration.route)[0]!;
    const segments = path.split('/');
    const meIndex = segments.indexOf('me');
    if (meIndex > 0) {
      meBases.add(segments.slice(0, meIndex + 1).join('/'));
      continue;
    }
    const userIndex = segments.indexOf('{userId}');
    const after = segments.slice(userIndex + 1);
    const firstParameter = after.findIndex((segment) => segment.startsWith('{'));
    const resource = (firstParameter < 0 ? after : after.slice(0, firstParameter)).join('/') || path;
    const lines = groups.get(resource) ?? [];
    for (const method of fn.methods) lines.push(`    ${method.padEnd(7)}${path}`);
    groups.set(resource, lines);
  }
  const me = [...meBases].map((base) => `${base}/...`).join(', ');
  return [
    me ? `Routes (each also under ${me} for the signed-in user):` : 'Routes:',
    ...[...groups].flatMap(([resource, lines]) => [`  ${resource}`, ...lines.sort(byPathThenMethod)]),
  ];
}

const METHOD_ORDER = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
/** A resource's lines as a person reads them: by path, and on one path GET, POST, PATCH, DELETE. */
function byPathThenMethod(a: string, b: string): number {
  const [methodA = '', pathA = ''] = a.trim().split(/\s+/);
  const [methodB = '', pathB = ''] = b.trim().split(/\s+/);
  return pathA.localeCompare(pathB) || METHOD_ORDER.indexOf(methodA) - METHOD_ORDER.indexOf(methodB);
}
