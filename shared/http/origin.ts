import type { HttpRequest } from '@azure/functions';
import { badRequest } from './graphErrors';

/**
 * A DNS name or IPv4 address, or a bracketed IPv6 address, and an optional port: nothing else (no
 * credentials, path, query, fragment, backslash or percent-escape).
 */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** Whether a Host header (or a URL's `host`) is a plain host name or address with an optional port. */
export const isPlainHost = (host: string): boolean => HOST.test(host);

/** The 400 for a Host header, or an absolute request target, that names more than a plain host. */
export const invalidHost = () =>
  badRequest('The request names an invalid host.', [
    { code: 'invalidValue', target: 'Host', message: 'The Host header must be a plain host name.' },
  ]);

/**
 * The origin that `Location`, `@odata.context` and `@odata.nextLink` are built from: the configured
 * public base URL when there is one (what a deployment should set), else the request's own origin once
 * its host is shown to be a plain host name, so a forged Host header cannot smuggle text into links.
 * Both the Host header and the URL the host built from it are checked: URL parsing drops or rewrites
 * some of what a Host may carry (`x/y`, `x\y` and `x?y` parse as host `x`, `%41` as `a`).
 */
export function publicOrigin(request: HttpRequest, configured: string | undefined): string {
  if (configured) return configured;
  const hostHeader = request.headers.get('host');
  if (hostHeader !== null && !isPlainHost(hostHeader)) throw invalidHost();
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw invalidHost();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !isPlainHost(url.host))
    throw invalidHost();
  return url.origin;
}
