/**
 * Route-template matching the way the Functions host (ASP.NET Core routing) does it, for the
 * templates this app registers: literal segments compare case-insensitively, `{name}` captures one
 * URL-decoded segment, `{name:regex(...)}` adds a case-insensitive, unanchored regex constraint (as
 * ASP.NET's RegexRouteConstraint), `{name?}` may be left out at the end, and a last `{*name}` takes
 * whatever is left of the path (nothing included). Other constraints are refused when the template
 * is compiled, so a new template cannot be served with the wrong meaning. The one matcher: the local
 * server routes requests with it, `$batch` routes its items with it, and the service's catch-all
 * function uses it to tell which segment of a path matched nothing.
 */

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string; optional: boolean; constraint?: RegExp }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
}

/** Thrown for a path segment with a broken percent-encoding (the host answers 400). */
export class BadPathError extends Error {
  override name = 'BadPathError';
}

/** Splits a template on `/` outside braces, so a regex constraint may contain a slash. */
function splitTemplate(template: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of template) {
    if (char === '{') depth += 1;
    if (char === '}') depth -= 1;
    if (char === '/' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.filter((part) => part.length > 0);
}

function compileSegment(text: string, template: string): Segment {
  if (!text.startsWith('{')) {
    if (text.includes('{') || text.includes('}'))
      throw new Error(`Unsupported route template '${template}': mixed segment '${text}'`);
    return { kind: 'literal', text: text.toLowerCase() };
  }
  // ASP.NET escapes braces inside a parameter by doubling them.
  const inner = text.slice(1, -1).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  const match = /^(\*?[A-Za-z_][A-Za-z0-9_]*)(\?)?(?::(.*))?$/s.exec(inner);
  if (!match || !text.endsWith('}')) throw new Error(`Unsupported route template '${template}': segment '${text}'`);
  const [, name, optional, constraint] = match;
  if (name!.startsWith('*')) {
    if (optional || constraint !== undefined)
      throw new Error(`Unsupported route template '${template}': catch-all '${text}' with options`);
    return { kind: 'catchAll', name: name!.slice(1) };
  }
  if (constraint === undefined) return { kind: 'parameter', name: name!, optional: optional === '?' };
  const regex = /^regex\((.*)\)$/s.exec(constraint);
  if (!regex)
    throw new Error(`Unsupported route constraint '${constraint}' in '${template}' (only regex(...) is implemented)`);
  return { kind: 'parameter', name: name!, optional: optional === '?', constraint: new RegExp(regex[1]!, 'i') };
}

/** Compiles `prefix/template` (the host puts host.json's routePrefix in front of every route). */
export function compileRoute(routePrefix: string, template: string): CompiledRoute {
  const full = [routePrefix, template].filter((part) => part.length > 0).join('/');
  const segments = splitTemplate(full).map((segment) => compileSegment(segment, full));
  if (segments.slice(0, -1).some((segment) => segment.kind === 'catchAll'))
    throw new Error(`Unsupported route template '${full}': a catch-all must be the last segment`);
  return { template: full, segments };
}

/** Decodes one path segment like Kestrel: every escape except `%2F`, which stays encoded. */
export function decodeSegment(segment: string): string {
  try {
    return segment
      .split(/(%2F)/i)
      .map((part, index) => (index % 2 === 1 ? part : decodeURIComponent(part)))
      .join('');
  } catch {
    throw new BadPathError('The request path is not correctly percent-encoded.');
  }
}

/** The path's segments, raw: one leading and one trailing slash are ignored, as routing does. */
export function rawSegments(pathname: string): string[] {
  const trimmed = pathname.replace(/^\//, '').replace(/\/$/, '');
  return trimmed.length === 0 ? [] : trimmed.split('/');
}

/** Whether one decoded path segment fits one template segment (empty segments never match). */
export function segmentMatches(segment: Segment, value: string): boolean {
  if (value.length === 0) return false;
  if (segment.kind === 'literal') return value.toLowerCase() === segment.text;
  return segment.kind === 'catchAll' || !segment.constraint || segment.constraint.test(value);
}

/** The route values when `pathname` matches the route, else undefined. */
export function matchRoute(route: CompiledRoute, pathname: string): Record<string, string> | undefined {
  const raw = rawSegments(pathname);
  const last = route.segments.at(-1);
  const catchAll = last?.kind === 'catchAll' ? last : undefined;
  const fixed = catchAll ? route.segments.length - 1 : route.segments.length;
  if (!catchAll && raw.length > fixed) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < fixed; index += 1) {
    const segment = route.segments[index]!;
    const rawValue = raw[index];
    if (rawValue === undefined) {
      if (segment.kind === 'parameter' && segment.optional) continue;
      return undefined;
    }
    const value = decodeSegment(rawValue);
    if (!segmentMatches(segment, value)) return undefined;
    if (segment.kind === 'parameter') params[segment.name] = value;
  }
  if (catchAll) params[catchAll.name] = raw.slice(fixed).map(decodeSegment).join('/');
  return params;
}

/**
 * How many leading segments of the decoded path the route's segments accept: the path matched the
 * route's beginning up to there. A catch-all accepts the rest.
 */
export function matchedPrefixLength(route: CompiledRoute, segments: readonly string[]): number {
  let length = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'catchAll') return segments.length;
    const value = segments[length];
    if (value === undefined || !segmentMatches(segment, value)) break;
    length += 1;
  }
  return length;
}

/** Something served on a route for some HTTP methods (a registered function, a batch item's target). */
export interface RoutedEntry {
  methods: readonly string[];
  route: CompiledRoute;
}

export type RouteLookup<Entry> =
  | { kind: 'match'; entry: Entry; params: Record<string, string> }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

/**
 * The entry that serves `method` on `pathname`, as the host picks it: the entries for this method
 * first, in their order; the others are only looked at to tell a 405 (the path exists) from a 404.
 * Throws BadPathError for a path segment with a broken percent-encoding that a route reaches.
 */
export function findRoute<Entry extends RoutedEntry>(
  entries: readonly Entry[],
  method: string,
  pathname: string,
): RouteLookup<Entry> {
  const segments = new PathSegments(pathname);
  const paramsFor = (entry: Entry) => (segments.mayMatch(entry.route) ? matchRoute(entry.route, pathname) : undefined);
  for (const entry of entries) {
    if (!entry.methods.includes(method)) continue;
    const params = paramsFor(entry);
    if (params) return { kind: 'match', entry, params };
  }
  const allowed = entries
    .filter((entry) => !entry.methods.includes(method) && paramsFor(entry))
    .flatMap((e) => e.methods);
  return allowed.length > 0 ? { kind: 'methodNotAllowed', allowed } : { kind: 'notFound' };
}

/**
 * A request path split and decoded once, segment by segment on first use, so that the routes that
 * cannot match are passed over without `matchRoute` splitting and decoding the path again for each
 * of them. `mayMatch` makes `matchRoute`'s checks in its order and is false only where `matchRoute`
 * answers undefined without throwing: a segment with a broken encoding, once reached, leaves the
 * route to `matchRoute` (which throws BadPathError for it), so which path errors is unchanged.
 */
class PathSegments {
  private readonly raw: string[];
  private readonly decoded: Array<string | null | undefined>;

  constructor(pathname: string) {
    // As matchRoute: one leading and one trailing slash are ignored.
    const trimmed = pathname.replace(/^\//, '').replace(/\/$/, '');
    this.raw = trimmed.length === 0 ? [] : trimmed.split('/');
    this.decoded = new Array<string | null | undefined>(this.raw.length);
  }

  mayMatch(route: CompiledRoute): boolean {
    const raw = this.raw;
    const catchAll = route.segments.at(-1)?.kind === 'catchAll';
    if (!catchAll && raw.length > route.segments.length) return false;
    for (const [index, segment] of route.segments.entries()) {
      if (segment.kind === 'catchAll') return true;
      if (index >= raw.length) {
        if (segment.kind === 'parameter' && segment.optional) continue;
        return false;
      }
      const value = this.segment(index);
      if (value === null) return true;
      if (!segmentMatches(segment, value)) return false;
    }
    return true;
  }

  /** The decoded segment, or null when its percent-encoding is broken. */
  private segment(index: number): string | null {
    let value = this.decoded[index];
    if (value === undefined) {
      try {
        value = decodeSegment(this.raw[index]!);
      } catch (error) {
        if (!(error instanceof BadPathError)) throw error;
        value = null;
      }
      this.decoded[index] = value;
    }
    return value;
  }
}
