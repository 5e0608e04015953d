/**
 * Route-template matching the way the Functions host (ASP.NET Core routing) does it, for the
 * templates this app registers: literal segments compare case-insensitively, `{name}` captures one
 * URL-decoded segment, `{name:regex(...)}` adds a case-insensitive, unanchored regex constraint (as
 * ASP.NET's RegexRouteConstraint), `{name?}` may be left out at the end. Other constraints are
 * refused when the template is compiled, so a new template cannot be served with the wrong meaning.
 * The one matcher: the local server routes requests with it and `$batch` routes its items with it.
 */

type Segment =
  { kind: 'literal'; text: string } | { kind: 'parameter'; name: string; optional: boolean; constraint?: RegExp };

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
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(\?)?(?::(.*))?$/s.exec(inner);
  if (!match || !text.endsWith('}')) throw new Error(`Unsupported route template '${template}': segment '${text}'`);
  const [, name, optional, constraint] = match;
  if (constraint === undefined) return { kind: 'parameter', name: name!, optional: optional === '?' };
  const regex = /^regex\((.*)\)$/s.exec(constraint);
  if (!regex)
    throw new Error(`Unsupported route constraint '${constraint}' in '${template}' (only regex(...) is implemented)`);
  return { kind: 'parameter', name: name!, optional: optional === '?', constraint: new RegExp(regex[1]!, 'i') };
}

/** Compiles `prefix/template` (the host puts host.json's routePrefix in front of every route). */
export function compileRoute(routePrefix: string, template: string): CompiledRoute {
  const full = [routePrefix, template].filter((part) => part.length > 0).join('/');
  return { template: full, segments: splitTemplate(full).map((segment) => compileSegment(segment, full)) };
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

/** The route values when `pathname` matches the route, else undefined. */
export function matchRoute(route: CompiledRoute, pathname: string): Record<string, string> | undefined {
  // Routing ignores one trailing slash; empty segments elsewhere never match.
  const trimmed = pathname.replace(/^\//, '').replace(/\/$/, '');
  const raw = trimmed.length === 0 ? [] : trimmed.split('/');
  if (raw.length > route.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    const rawValue = raw[index];
    if (rawValue === undefined) {
      if (segment.kind === 'parameter' && segment.optional) continue;
      return undefined;
    }
    const value = decodeSegment(rawValue);
    if (value.length === 0) return undefined;
    if (segment.kind === 'literal') {
      if (value.toLowerCase() !== segment.text) return undefined;
    } else {
      if (segment.constraint && !segment.constraint.test(value)) return undefined;
      params[segment.name] = value;
    }
  }
  return params;
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
    if (raw.length > route.segments.length) return false;
    for (const [index, segment] of route.segments.entries()) {
      if (index >= raw.length) {
        if (segment.kind === 'parameter' && segment.optional) continue;
        return false;
      }
      const value = this.segment(index);
      if (value === null) return true;
      if (value.length === 0) return false;
      if (
        segment.kind === 'literal'
          ? value.toLowerCase() !== segment.text
          : segment.constraint !== undefined && !segment.constraint.test(value)
      )
        return false;
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
