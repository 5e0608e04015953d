import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { testService } from '../support/service';
import { storedItems } from '../support/storage';
import { userToken } from '../support/tokens';

/**
 * The handler's own check of the Host (the Azure path: the Functions host builds the request URL
 * from the Host header, and URL parsing drops or rewrites parts of a bad one, so the header itself is
 * checked too). Without PUBLIC_BASE_URL each of these is a 400 with target Host, one log line, and
 * nothing written.
 */

const { handlers } = testService();

const HOSTS = ['user:pw@x', 'user@x', ':pw@x', 'u:p@127.0.0.1:7071', 'x/y', 'x?y', 'x#y', 'x\\y', '%41', '@x'];

/** The URL a host would build from the Host header when it parses as an authority, else a plain one. */
function urlFrom(host: string, path: string): string {
  const built = `http://${host}${path}`;
  if (!URL.canParse(built)) return `http://localhost${path}`;
  const url = new URL(built);
  // A URL with credentials cannot make a Request; the header alone then carries them.
  return url.username || url.password ? `http://${url.host}${path}` : url.href;
}

test.each(HOSTS)('Host %p is a 400 with target Host, one log line, nothing written', async (host) => {
  const oid = randomUUID();
  const token = await userToken({ oid, scp: 'User.ReadWrite', wids: [] });
  const path = `/beta/users/${oid}/profile/phones`;
  const request = new HttpRequest({
    method: 'POST',
    url: urlFrom(host, path),
    headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    params: { collection: 'users', userId: oid },
    body: { string: JSON.stringify({ number: '555 0100' }) },
  });
  const logs: string[] = [];
  const response = (await handlers.createProfilePhone!(
    request,
    new InvocationContext({ logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')) }),
  )) as { status: number; body: string };
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'badRequest', details: [{ target: 'Host' }] } });
  expect(logs).toHaveLength(1);
  expect(JSON.parse(logs[0]!)).toMatchObject({ status: 400, errorCode: 'badRequest' });
  expect(await storedItems('profilePhones', oid)).toEqual([]);
});

test('a plain Host with a port is served, and links are built from it', async () => {
  const oid = randomUUID();
  const token = await userToken({ oid, scp: 'User.ReadWrite', wids: [] });
  const request = new HttpRequest({
    method: 'GET',
    url: `http://phones.contoso.example:8443/beta/users/${oid}/profile/phones`,
    headers: { host: 'phones.contoso.example:8443', authorization: `Bearer ${token}` },
    params: { collection: 'users', userId: oid },
  });
  const response = (await handlers.listProfilePhones!(
    request,
    new InvocationContext({ logHandler: () => undefined }),
  )) as {
    status: number;
    body: string;
  };
  expect(response.status).toBe(200);
  expect((JSON.parse(response.body) as Record<string, string>)['@odata.context']).toMatch(
    /^http:\/\/phones\.contoso\.example:8443\/beta\//,
  );
});
