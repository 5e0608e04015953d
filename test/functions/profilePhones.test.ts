import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { itemPhoneResource } from '../../shared/models/itemPhone';
import { parseGraphBody, type GraphEntity } from '../support/graphBody';
import { invoke, type Invocation } from '../support/invoke';
import { loadServiceWith } from '../support/isolated';
import { testService } from '../support/service';
import { resourceCalls } from '../support/resourceCalls';
import { storedItems } from '../support/storage';
import { appToken, userToken } from '../support/tokens';

const { handlers } = testService();
const COLLECTION = 'profile/phones';
const stored = (userId: string) => storedItems('profilePhones', userId);

interface Caller {
  oid: string;
  token: string;
}

async function self(scp = 'User.ReadWrite'): Promise<Caller> {
  const oid = randomUUID();
  return {
    oid,
    token: await userToken({
      oid,
      scp,
      wids: [],
      name: 'Megan Bowen',
      upn: `megan-${oid.slice(0, 8)}@contoso.example`,
    }),
  };
}

type Target = { userId: string; me?: boolean; collection?: string };
const on = (who: Caller | string, me = false): Target => ({ userId: typeof who === 'string' ? who : who.oid, me });

const phones = resourceCalls(handlers, COLLECTION);
const create = ({ userId, ...at }: Target, token: string, body: unknown) =>
  phones.create(userId, { ...at, token, body });
const list = ({ userId, ...at }: Target, token: string, query?: Record<string, string>) =>
  phones.list(userId, { ...at, token, query });
const byId = (
  name: 'get' | 'update' | 'delete',
  { userId, ...at }: Target,
  token: string,
  id: string,
  body?: unknown,
) => phones[name](userId, id, { ...at, token, body });

async function seed(
  owner: Caller,
  count: number,
  number = (index: number) => `+1 425 555 ${String(1000 + index)}`,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const result = await create(on(owner), owner.token, {
      number: number(index),
      displayName: `Phone ${String(index).padStart(3, '0')}`,
    });
    expect(result.status).toBe(201);
    ids.push(result.body.id);
  }
  return ids;
}

interface ListPage {
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Array<Record<string, unknown> & { id?: string }>;
}
interface ErrorBody {
  error: { message: string; details: unknown[] };
}
const pageOf = (result: Invocation): ListPage => {
  expect(result.status).toBe(200);
  return result.body as unknown as ListPage;
};
const listPage = async (target: Target, token: string, query: Record<string, string>) =>
  pageOf(await list(target, token, query));

/** Follows nextLinks to the end; returns every page's items. */
async function allPages(
  target: Target,
  token: string,
  query: Record<string, string>,
  between?: (page: number) => Promise<void>,
) {
  const items: GraphEntity[] = [];
  let next: Record<string, string> | undefined = query;
  for (let page = 0; next; page += 1) {
    const result = await list(target, token, next);
    expect(result.status).toBe(200);
    items.push(...result.body.value);
    const link: string | undefined = result.body['@odata.nextLink'];
    next = link ? Object.fromEntries(new URL(link).searchParams) : undefined;
    if (next) await between?.(page);
  }
  return items;
}

describe('list, get, update and delete a profile phone', () => {
  test('the whole lifecycle on /users/, /user/ and /me/, each result read back from storage', async () => {
    const owner = await self();
    const made = await create(on(owner), owner.token, {
      number: '+1 425 555 0100',
      type: 'business',
      displayName: 'Desk',
    });
    expect(made.status).toBe(201);
    const id = made.body.id;
    const { '@odata.context': _c, ...resource } = made.body;

    const listed = await list(on(owner), owner.token);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('odata-version')).toBe('4.0');
    expect(listed.body['@odata.context']).toBe(
      `http://localhost:7071/beta/$metadata#users('${owner.oid}')/profile/phones`,
    );
    expect(listed.body.value).toEqual([resource]);
    expect(listed.body['@odata.nextLink']).toBeUndefined();

    const got = await byId('get', { userId: owner.oid, collection: 'user' }, owner.token, id);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      '@odata.context': `http://localhost:7071/beta/$metadata#users('${owner.oid}')/profile/phones/$entity`,
      ...resource,
    });

    const mine = await byId('get', on(owner, true), owner.token, id);
    expect(mine.status).toBe(200);
    expect(mine.body['@odata.context']).toBe(
      `http://localhost:7071/beta/$metadata#users('${owner.oid}')/profile/phones/$entity`,
    );

    const patched = await byId('update', on(owner, true), owner.token, id, {
      displayName: 'Front desk',
      type: null,
      id: randomUUID(),
      createdDateTime: '2001-01-01T00:00:00Z',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      displayName: 'Front desk',
      type: null,
      number: '+1 425 555 0100',
      createdDateTime: resource.createdDateTime,
      createdBy: resource.createdBy,
    });
    expect(patched.body.lastModifiedDateTime >= resource.lastModifiedDateTime).toBe(true);
    const { '@odata.context': _p, ...patchedResource } = patched.body;
    expect(itemPhoneResource.parse(patchedResource)).toEqual(patchedResource);
    expect(await stored(owner.oid)).toEqual([patchedResource]);

    const deleted = await byId('delete', on(owner), owner.token, id);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(await stored(owner.oid)).toEqual([]);
    expect((await byId('get', on(owner), owner.token, id)).status).toBe(404);
  });

  test('PATCH is a merge: lastModifiedBy comes from the token, unsent properties keep their values, source is kept as sent', async () => {
    const owner = await self();
    const source = { type: ['User'] };
    const made = await create(on(owner), owner.token, {
      number: '555 0101',
      allowedAudiences: 'me,family',
      source,
      inference: { confidenceScore: 0.5, userHasVerifiedAccuracy: true },
    });
    expect(made.body.source).toEqual(source);
    const admin = { oid: randomUUID(), token: '' };
    admin.token = await userToken({ oid: admin.oid, scp: 'User.ReadWrite.All', wids: [], name: 'Admin Person' });

    const patched = await byId('update', on(owner), admin.token, made.body.id, {
      number: ' 555 0199 ',
      source: { type: 'Contoso HR' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      number: '555 0199',
      allowedAudiences: 'me,family',
      inference: { confidenceScore: 0.5, userHasVerifiedAccuracy: true },
      source: { type: 'Contoso HR' },
      createdBy: { user: { id: owner.oid, displayName: 'Megan Bowen' } },
      lastModifiedBy: { user: { id: admin.oid, displayName: 'Admin Person' } },
    });
  });

  test('a bad PATCH body is a 400 that names each property and changes nothing', async () => {
    const owner = await self();
    const [id] = await seed(owner, 1);
    const before = await stored(owner.oid);
    const result = await byId('update', on(owner), owner.token, id!, {
      number: '',
      type: 'satellite',
      colour: 'red',
      allowedAudiences: 'unknownFutureValue',
    });
    expect(result.status).toBe(400);
    expect(result.body.error.details.map((detail: { target: string }) => detail.target).sort()).toEqual([
      'allowedAudiences',
      'colour',
      'number',
      'type',
    ]);
    expect(await stored(owner.oid)).toEqual(before);
  });

  test.each(['get', 'update', 'delete'] as const)(
    '%s of an id the user does not have: 404 itemNotFound, nothing changes',
    async (name) => {
      const owner = await self();
      const other = await self();
      const [othersId] = await seed(other, 1);
      await seed(owner, 1);
      const before = await stored(owner.oid);
      for (const id of [randomUUID(), othersId!, 'not-a-guid']) {
        const result = await byId(
          name,
          on(owner),
          owner.token,
          id,
          name === 'update' ? { displayName: 'x' } : undefined,
        );
        expect(result.status).toBe(404);
        expect(result.body.error.code).toBe('itemNotFound');
      }
      expect(await stored(owner.oid)).toEqual(before);
      expect(await stored(other.oid)).toHaveLength(1);
    },
  );

  test('an app token on /me is a 400 naming the delegated flow', async () => {
    const result = await list({ userId: '', me: true }, await appToken(['User.Read.All']));
    expect(result.status).toBe(400);
    expect(result.body.error.message).toBe('/me request is only valid with delegated authentication flow.');
  });
});

describe('permissions (every cell, allowed and refused)', () => {
  const READ = ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All'];
  const WRITE_OWN = ['User.ReadWrite', 'User.ReadWrite.All'];

  async function attempt(
    kind: 'list' | 'get' | 'create' | 'update' | 'delete',
    target: Target,
    token: string,
    id: string,
  ) {
    if (kind === 'list') return list(target, token);
    if (kind === 'create') return create(target, token, { number: '555 0100' });
    return byId(kind, target, token, id, kind === 'update' ? { displayName: 'changed' } : undefined);
  }

  const cells: Array<[string, 'list' | 'get' | 'create' | 'update' | 'delete', string[]]> = [
    ['list', 'list', READ],
    ['get', 'get', READ],
    ['create', 'create', WRITE_OWN],
    ['update', 'update', WRITE_OWN],
    ['delete', 'delete', WRITE_OWN],
  ];

  test.each(cells)('delegated, own account (/users/ and /me/): %s', async (_name, kind, allowed) => {
    for (const scp of ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All', 'Mail.Read']) {
      for (const me of [false, true]) {
        const owner = await self(scp);
        const [id] = await seed(await withToken(owner, 'User.ReadWrite'), 1);
        const result = await attempt(kind, on(owner, me), owner.token, id!);
        expect([scp, me, result.status]).toEqual([scp, me, allowed.includes(scp) ? expectedSuccess(kind) : 403]);
      }
    }
  });

  test.each(cells)("delegated, another user's account: %s", async (_name, kind) => {
    const allowed =
      kind === 'list' || kind === 'get' ? ['User.Read.All', 'User.ReadWrite.All'] : ['User.ReadWrite.All'];
    for (const scp of ['User.Read', 'User.ReadWrite', 'User.Read.All', 'User.ReadWrite.All']) {
      const owner = await self();
      const [id] = await seed(owner, 1);
      const caller = await self(scp);
      const result = await attempt(kind, on(owner), caller.token, id!);
      expect([scp, result.status]).toEqual([scp, allowed.includes(scp) ? expectedSuccess(kind) : 403]);
      if (result.status === 403) expect(result.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    }
  });

  test.each(cells)('application: %s', async (_name, kind) => {
    for (const role of ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All']) {
      const owner = await self();
      const [id] = await seed(owner, 1);
      const result = await attempt(kind, on(owner), await appToken([role]), id!);
      const readable = kind === 'list' || kind === 'get';
      expect([role, result.status]).toEqual([role, readable && role !== 'Directory.Read.All' ? 200 : 403]);
    }
  });

  function expectedSuccess(kind: string): number {
    return kind === 'create' ? 201 : kind === 'delete' ? 204 : 200;
  }
  async function withToken(caller: Caller, scp: string): Promise<Caller> {
    return { oid: caller.oid, token: await userToken({ oid: caller.oid, scp, wids: [] }) };
  }
});

describe('list query options', () => {
  test('$top pages with an opaque $skiptoken; every item once, in createdDateTime then id order', async () => {
    const owner = await self();
    const ids = await seed(owner, 7);
    const first = await list(on(owner), owner.token, { $top: '3' });
    expect(first.body.value).toHaveLength(3);
    const link = new URL(first.body['@odata.nextLink']);
    expect(link.origin + link.pathname).toBe(`http://localhost:7071/beta/users/${owner.oid}/profile/phones`);
    expect(link.searchParams.get('$top')).toBe('3');
    const items = await allPages(on(owner), owner.token, { $top: '3' });
    expect(items.map((item) => item.id)).toEqual(ids);
  });

  test('paging while other items are created and deleted between pages returns every lasting item exactly once', async () => {
    const owner = await self();
    const lasting = await seed(owner, 12);
    const doomed = await seed(owner, 6, (index) => `+1 206 555 ${2000 + index}`);
    const added: string[] = [];
    const items = await allPages(on(owner), owner.token, { $top: '4', $orderby: 'displayName desc' }, async (page) => {
      await Promise.all([
        byId('delete', on(owner), owner.token, doomed[page]!).then((result) => expect(result.status).toBe(204)),
        create(on(owner), owner.token, { number: `555 ${3000 + page}`, displayName: `Added ${page}` }).then((result) =>
          added.push(result.body.id),
        ),
      ]);
    });
    const seen = items.map((item) => item.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of lasting) expect(seen.filter((item) => item === id)).toHaveLength(1);
    const names = items.map((item) => item.displayName);
    expect([...names].sort().reverse()).toEqual(names);
  });

  test('$select returns only the named properties; $orderby sorts by any orderable property either way', async () => {
    const owner = await self();
    await create(on(owner), owner.token, { number: '3', displayName: 'b', type: 'home' });
    await create(on(owner), owner.token, { number: '1', displayName: 'c' });
    await create(on(owner), owner.token, { number: '2', displayName: 'a', type: 'business' });
    const selected = await list(on(owner), owner.token, { $select: 'number,displayName' });
    expect(selected.body.value).toEqual([
      { displayName: 'b', number: '3' },
      { displayName: 'c', number: '1' },
      { displayName: 'a', number: '2' },
    ]);
    const numbers = async (orderby: string) =>
      (await list(on(owner), owner.token, { $orderby: orderby })).body.value.map((item) => item.number);
    expect(await numbers('number')).toEqual(['1', '2', '3']);
    expect(await numbers('number desc')).toEqual(['3', '2', '1']);
    expect(await numbers('displayName asc')).toEqual(['2', '3', '1']);
    // OData orders null first.
    expect(await numbers('type')).toEqual(['1', '2', '3']);
  });

  test.each([
    [{ $top: '0' }, '$top'],
    [{ $top: '1000' }, '$top'],
    [{ $top: 'ten' }, '$top'],
    [{ $select: 'number,colour' }, '$select'],
    [{ $orderby: 'allowedAudiences' }, '$orderby'],
    [{ $orderby: 'number sideways' }, '$orderby'],
    [{ $expand: 'source' }, '$expand'],
    [{ $filter: "type gt 'home'" }, '$filter'],
    [{ $filter: "type eq 'homer'" }, '$filter'],
    [{ $filter: 'x'.repeat(1_001) }, '$filter'],
    [{ $count: 'yes' }, '$count'],
    [{ $skip: '-1' }, '$skip'],
    [{ $skip: '251' }, '$skip'],
    [{ $search: 'desk' }, '$search'],
    [{ $skiptoken: 'garbage!!' }, '$skiptoken'],
    [{ $skiptoken: Buffer.from(JSON.stringify({ o: ' asc', k: [{}, 1] })).toString('base64url') }, '$skiptoken'],
  ])('%j is a 400 that names %s', async (query, option) => {
    const owner = await self();
    const result = await list(on(owner), owner.token, query);
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('badRequest');
    expect(result.body.error.details.map((detail: { target: string }) => detail.target)).toContain(option);
  });

  test('a refused $filter is told the part it could not take and where, in the one wording of a bad option', async () => {
    const owner = await self();
    const result = await list(on(owner), owner.token, { $filter: "number eq '1' and colour eq 'red'", $top: '5' });
    expect(result.status).toBe(400);
    const { error } = result.body as ErrorBody;
    expect(error.message).toBe(
      "The query option '$filter' could not take 'colour' at character 19: the properties a filter can name are type, displayName, number, allowedAudiences.",
    );
    expect(error.details).toEqual([{ code: 'invalidQueryOption', target: '$filter', message: error.message }]);
    const refused = await list(on(owner), owner.token, { $expand: 'source' });
    expect((refused.body as ErrorBody).error.message).toBe(
      "The query option '$expand' is not supported by this operation.",
    );
  });

  test('$filter, $skip and $count: only matching items, the first $skip of them passed over, @odata.count counting every match', async () => {
    const owner = await self();
    const made: Array<Record<string, string>> = [];
    for (const [index, type] of ['home', 'mobile', 'home', 'pager', 'home', 'mobile', 'home'].entries()) {
      const body = {
        number: `+1 425 555 01${index}0`,
        type,
        displayName: index % 2 ? `Desk ${index}` : `Home ${index}`,
      };
      const result = await create(on(owner), owner.token, {
        ...body,
        allowedAudiences: index < 3 ? 'me,family' : 'me',
      });
      expect(result.status).toBe(201);
      made.push(result.body as unknown as Record<string, string>);
    }
    const idsWhere = (keep: (phone: Record<string, string>) => boolean) => made.filter(keep).map((phone) => phone.id);
    const ids = async (query: Record<string, string>) => {
      const result = await list(on(owner), owner.token, query);
      expect(result.status).toBe(200);
      return pageOf(result).value.map((item) => item.id);
    };

    expect(await ids({ $filter: "type eq 'home'" })).toEqual(idsWhere((phone) => phone.type === 'home'));
    expect(await ids({ $filter: "type ne 'home' and not startswith(displayName,'Home')" })).toEqual(
      idsWhere((phone) => phone.type !== 'home' && !phone.displayName!.startsWith('Home')),
    );
    expect(
      await ids({ $filter: "(type eq 'pager' or type eq 'mobile') and startswith(number,'+1 425 555 015')" }),
    ).toEqual(idsWhere((phone) => phone.number === '+1 425 555 0150'));
    expect(await ids({ $filter: "allowedAudiences has 'family'" })).toEqual(made.slice(0, 3).map((phone) => phone.id));
    expect(await ids({ $filter: "allowedAudiences eq 'me'" })).toEqual(made.slice(3).map((phone) => phone.id));
    expect(await ids({ $filter: 'displayName eq null' })).toEqual([]);

    const counted = await listPage(on(owner), owner.token, {
      $filter: "type eq 'home'",
      $count: 'true',
      $skip: '1',
      $top: '2',
      $orderby: 'number desc',
      $select: 'number',
    });
    expect(Object.keys(counted)).toEqual(['@odata.context', '@odata.count', '@odata.nextLink', 'value']);
    expect(counted['@odata.count']).toBe(4);
    expect(counted.value).toEqual([{ number: '+1 425 555 0140' }, { number: '+1 425 555 0120' }]);
    const next = new URL(counted['@odata.nextLink']!);
    expect(next.searchParams.get('$filter')).toBe("type eq 'home'");
    const last = await listPage(on(owner), owner.token, Object.fromEntries(next.searchParams));
    // The skip token continues after the page; $skip applies to the first page only.
    expect(last).toMatchObject({ '@odata.count': 4, value: [{ number: '+1 425 555 0100' }] });
    expect(last['@odata.nextLink']).toBeUndefined();

    const skippedAll = await listPage(on(owner), owner.token, { $skip: '250', $count: 'true' });
    expect(skippedAll).toMatchObject({ '@odata.count': 7, value: [] });
    expect((await listPage(on(owner), owner.token, { $count: 'false' }))['@odata.count']).toBeUndefined();
  });

  test('paging with $filter, $skip and $count while other items are created and deleted between pages returns every lasting match exactly once', async () => {
    const owner = await self();
    // Lasting: Phone 000..011, home when the index is even. Doomed ones match too (type home).
    const lasting: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const result = await create(on(owner), owner.token, {
        number: `+1 425 555 ${1000 + index}`,
        displayName: `Phone ${String(index).padStart(3, '0')}`,
        type: index % 2 === 0 ? 'home' : 'business',
      });
      lasting.push((result.body as { id: string }).id);
    }
    const doomed: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const result = await create(on(owner), owner.token, {
        number: `555 ${2000 + index}`,
        type: 'home',
        displayName: 'Doomed',
      });
      doomed.push((result.body as { id: string }).id);
    }
    const filter =
      "type eq 'home' and (startswith(displayName,'Phone') or displayName eq 'Doomed' or displayName eq 'Added')";
    const counts: Array<number | undefined> = [];
    const pages: ListPage['value'][] = [];
    let next: Record<string, string> | undefined = {
      $filter: filter,
      $top: '2',
      $count: 'true',
      $skip: '1',
      $orderby: 'number',
    };
    for (let page = 0; next; page += 1) {
      const result = await listPage(on(owner), owner.token, next);
      counts.push(result['@odata.count']);
      pages.push(result.value);
      const link = result['@odata.nextLink'];
      next = link ? Object.fromEntries(new URL(link).searchParams) : undefined;
      if (!next) break;
      expect(next.$filter).toBe(filter);
      await Promise.all([
        page < doomed.length
          ? byId('delete', on(owner), owner.token, doomed[page]!).then((deleted) => expect(deleted.status).toBe(204))
          : Promise.resolve(),
        create(on(owner), owner.token, { number: `555 ${3000 + page}`, type: 'home', displayName: 'Added' }),
        create(on(owner), owner.token, {
          number: `+1 425 555 ${4000 + page}`,
          type: 'business',
          displayName: 'Phone x',
        }),
      ]);
    }
    const items = pages.flat();
    const seen = items.map((item) => item.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const item of items) expect(item.type).toBe('home');
    // Ordered by number: '+1 425 555 1000' is the first match, passed over by $skip=1; every other lasting match once.
    const lastingMatches = lasting.filter((_id, index) => index % 2 === 0);
    expect(seen).not.toContain(lastingMatches[0]);
    for (const id of lastingMatches.slice(1)) expect(seen.filter((item) => item === id)).toHaveLength(1);
    const numbers = items.map((item) => String(item.number));
    expect([...numbers].sort()).toEqual(numbers);
    // Each page counts the matches of its moment: 6 lasting and 6 doomed at first; before page k, k
    // added and (up to 6) k doomed deleted.
    expect(counts).toEqual(counts.map((_count, page) => 12 + page - Math.min(page, doomed.length)));
    expect(counts.length).toBeGreaterThan(doomed.length);
  });

  test('a skip token issued for one $orderby is refused for another', async () => {
    const owner = await self();
    await seed(owner, 3);
    const first = await list(on(owner), owner.token, { $top: '1', $orderby: 'number' });
    const token = new URL(first.body['@odata.nextLink']).searchParams.get('$skiptoken')!;
    const reused = await list(on(owner), owner.token, { $top: '1', $orderby: 'displayName', $skiptoken: token });
    expect(reused.status).toBe(400);
    expect(reused.body.error.details[0]?.target).toBe('$skiptoken');
  });
});

describe('quota and concurrency', () => {
  test('the create past MAX_PROFILE_PHONES_PER_USER is 409 quotaLimitReached and writes nothing', async () => {
    using limited = loadServiceWith({ MAX_PROFILE_PHONES_PER_USER: '3' });
    const owner = await self();
    const call = () =>
      invoke(limited.createProfilePhone, {
        userId: owner.oid,
        token: owner.token,
        body: { number: '555 0100' },
        path: COLLECTION,
      });
    const results = await Promise.all(Array.from({ length: 6 }, call));
    expect(results.map((result) => result.status).sort()).toEqual([201, 201, 201, 409, 409, 409]);
    expect(results.find((result) => result.status === 409)!.body.error.code).toBe('quotaLimitReached');
    expect(await stored(owner.oid)).toHaveLength(3);
  });

  test('two concurrent PATCHes of different properties of one phone both take effect', async () => {
    for (let round = 0; round < 10; round += 1) {
      const owner = await self();
      const [id] = await seed(owner, 1);
      const [a, b] = await Promise.all([
        byId('update', on(owner), owner.token, id!, { displayName: `name ${round}` }),
        byId('update', on(owner), owner.token, id!, { type: 'pager' }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const [phone] = await stored(owner.oid);
      expect(phone).toMatchObject({ displayName: `name ${round}`, type: 'pager' });
    }
  });
});

describe('links and error hardening', () => {
  test('with PUBLIC_BASE_URL set, links use it whatever the Host header says', async () => {
    using configured = loadServiceWith({ PUBLIC_BASE_URL: 'https://phones.contoso.example' });
    const owner = await self();
    const result = await invoke(configured.createProfilePhone, {
      userId: owner.oid,
      token: owner.token,
      body: { number: '555 0100' },
      path: COLLECTION,
      headers: { host: 'evil.example' },
    });
    expect(result.status).toBe(201);
    expect(result.headers.get('location')).toBe(
      `https://phones.contoso.example/beta/users/${owner.oid}/profile/phones/${result.body.id}`,
    );
    expect(result.body['@odata.context']).toMatch(/^https:\/\/phones\.contoso\.example\/beta\/\$metadata#/);
  });

  test('without PUBLIC_BASE_URL, a request whose host is not a plain host name is a 400 (never a 500) and writes nothing', async () => {
    const owner = await self();
    for (const authority of ['a_b.example', 'a*b.example:8080', "it's.example"]) {
      const request = new HttpRequest({
        method: 'POST',
        url: `http://${authority}/beta/users/${owner.oid}/profile/phones`,
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
        params: { collection: 'users', userId: owner.oid },
        body: { string: JSON.stringify({ number: '555 0100' }) },
      });
      const response = (await handlers.createProfilePhone!(
        request,
        new InvocationContext({ logHandler: () => undefined }),
      )) as { status: number; body: string };
      expect([authority, response.status]).toEqual([authority, 400]);
      expect(parseGraphBody(response.body).error.details[0]?.target).toBe('Host');
    }
    expect(await stored(owner.oid)).toEqual([]);
  });

  test('a single quote in the user key is doubled in @odata.context, as OData literals are', async () => {
    const oid = randomUUID();
    const upn = "o'brien@contoso.example";
    const token = await userToken({ oid, scp: 'User.ReadWrite', wids: [], upn });
    const result = await create({ userId: upn }, token, { number: '555 0100' });
    expect(result.status).toBe(201);
    expect(result.body['@odata.context']).toContain("users('o''brien%40contoso.example')/profile/phones/$entity");
  });

  test('every answer carries X-Content-Type-Options: nosniff; a flood of unknown keys gets a bounded error', async () => {
    const owner = await self();
    const body: Record<string, unknown> = { number: '555 0100' };
    // Within the 16 KiB body limit: about 1,000 unknown keys and one 5,000-character key.
    for (let index = 0; index < 1_000; index += 1) body[`k${index}`] = 1;
    body['x'.repeat(5_000)] = 1;
    const result = await create(on(owner), owner.token, body);
    expect(result.status).toBe(400);
    expect(result.headers.get('x-content-type-options')).toBe('nosniff');
    expect(JSON.stringify(result.body).length).toBeLessThan(12_000);
    expect(result.body.error.details.length).toBeLessThanOrEqual(20);
    const ok = await list(on(owner), owner.token);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await stored(owner.oid)).toEqual([]);
  });
});
