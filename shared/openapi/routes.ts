import { ROUTE_PREFIX } from '../http/graphResponses';
import type { Registration } from '../http/pipeline';

/** A Functions route template in OpenAPI path syntax. */
export interface DocumentedPath {
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
export function documentedPaths(route: string): DocumentedPath[] {
  let paths: DocumentedPath[] = [{ path: '', alternates: [] }];
  for (const segment of [ROUTE_PREFIX, route]
    .filter((part) => part.length > 0)
    .join('/')
    .split('/')) {
    const template = TEMPLATE_SEGMENT.exec(segment);
    const constraint = template?.[2];
    const alternation = constraint ? ALTERNATION.exec(constraint) : null;
    if (constraint && !alternation && constraint.startsWith('regex(')) {
      throw new Error(`OpenAPI: cannot express the route segment '${segment}'.`);
    }
    const words = alternation ? alternation[1]!.split('|') : [template ? `{${template[1]}}` : segment];
    paths = paths.flatMap(({ path, alternates }) =>
      words.map((word, index) => ({
        path: `${path}/${word}`,
        alternates: index === 0 ? alternates : [...alternates, word],
      })),
    );
  }
  return paths;
}

/** The main path keeps the registration's name; another spelling of the same route appends its literal. */
export const operationIdOf = (registration: Registration, { alternates }: DocumentedPath) =>
  [registration.name, ...alternates].join('.');

export const templateNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
