import type { HttpRequest } from '@azure/functions';
import { DETAIL_CODE, badRequest } from './graphErrors';

/** A DNS name or IPv4 address, or a bracketed IPv6 address, and an optional port: nothing else. */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The origin that `Location`, `@odata.context` and `@odata.nextLink` are built from: the configured
 * public base URL when there is one (what a deployment should set), else the request's own origin once
 * its host is shown to be a plain host name, so a forged Host header cannot smuggle text into links.
 */
export function publicOrigin(request: HttpRequest, configured: string | undefined): string {
  if (configured) return configured;
  const invalid = () =>
    badRequest('The request names an invalid host.', [
      { code: DETAIL_CODE.invalidValue, target: 'Host', message: 'The Host header must be a plain host name.' },
    ]);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw invalid();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !HOST.test(url.host))
    throw invalid();
  return url.origin;
}
