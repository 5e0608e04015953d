import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { callerFromClaims, plainDisplayName, type Caller } from '../../../shared/auth/caller';
import { GraphError } from '../../../shared/http/graphErrors';
import { plainText } from '../../../shared/models/graphTypes';
import { TEST_CLIENT_APP_ID, TEST_TENANT_ID } from '../../support/constants';

/**
 * callerFromClaims on its own: a signature proves who issued the claims, not that their values are well
 * formed, so each claim that reaches a partition key, a URL, the "own account" rule or stored audit
 * fields is checked or brought within the model's rules.
 */

const OID = '6e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
const delegated = (extra: Record<string, unknown> = {}): JWTPayload => ({
  oid: OID,
  sub: 'pairwise-subject',
  tid: TEST_TENANT_ID,
  scp: 'UserAuthenticationMethod.ReadWrite.All',
  wids: ['C4E39BD9-1100-46D3-8C65-FB160DA0071F'],
  preferred_username: 'adele@contoso.example',
  name: 'Adele Vance',
  azp: TEST_CLIENT_APP_ID,
  ...extra,
});

function refused(claims: JWTPayload): GraphError {
  try {
    callerFromClaims(claims);
  } catch (error) {
    expect(error).toBeInstanceOf(GraphError);
    return error as GraphError;
  }
  throw new Error('expected the claims to be refused');
}

const isPlain = (value: string) => plainText(256).safeParse(value).success;

describe('oid must be a GUID string', () => {
  test.each([
    ['braced GUID (would pass the own-account check as a different string)', `{${OID}}`],
    ['path traversal', '../x'],
    ['9,000 characters', 'a'.repeat(9_000)],
    ['a GUID with trailing text', `${OID}/phones`],
    ['a GUID without dashes', OID.replace(/-/g, '')],
    ['36 characters with a dash out of place', `${OID.slice(0, 7)}-${OID.slice(8)}`.replace(/-(?=[^-]*$)/, 'a')],
    ['a non-hex letter', OID.replace(/^./, 'g')],
    ['an upper-case non-hex letter', OID.replace(/^./, 'G')],
    ['36 characters of dashes', '-'.repeat(36)],
    ['empty', ''],
    ['a number', 42],
    ['an array holding a GUID', [OID]],
    ['an object', { id: OID }],
    ['null', null],
    ['absent', undefined],
  ])('%s: 401 InvalidAuthenticationToken', (_name, oid) => {
    const error = refused(delegated({ oid }));
    expect(error.status).toBe(401);
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.headers['WWW-Authenticate']).toMatch(/error="invalid_token"/);
  });

  test('an upper-case GUID is accepted and lower-cased', () => {
    expect(callerFromClaims(delegated({ oid: OID.toUpperCase() })).objectId).toBe(OID);
  });
});

describe('tid, when present, must be a GUID string', () => {
  test.each([
    ['an array holding our tenant', [TEST_TENANT_ID]],
    ['a braced GUID', `{${TEST_TENANT_ID}}`],
    ['a number', 7],
    ['empty', ''],
    ['text', 'contoso.onmicrosoft.com'],
  ])('%s: 401', (_name, tid) => {
    const error = refused(delegated({ tid }));
    expect(error.status).toBe(401);
    expect(error.code).toBe('InvalidAuthenticationToken');
  });

  test('upper case is lower-cased; absent stays absent', () => {
    expect(callerFromClaims(delegated({ tid: TEST_TENANT_ID.toUpperCase() })).tenantId).toBe(TEST_TENANT_ID);
    expect(callerFromClaims(delegated({ tid: undefined })).tenantId).toBeUndefined();
  });
});

describe('display names are brought within the model (plain text, at most 256 characters)', () => {
  test.each([
    ['5,000 characters', 'N'.repeat(5_000), 'N'.repeat(256)],
    ['control characters', 'Ade\u0000le\u0007 V\nance\u007f', 'Adele Vance'],
    ['bidi overrides and other format characters', '\u202eecnaV eledA\u202c\u200b\u2066x\u2069\ufeff', 'ecnaV eledAx'],
    ['a lone surrogate', 'Adele\ud800 Vance', 'Adele Vance'],
    ['surrounding white space', '   Adele Vance \t ', 'Adele Vance'],
    ['only control and format characters', '\u0000\u200e\u202e\n', undefined],
    ['only white space', '    ', undefined],
    ['empty', '', undefined],
    ['not a string', ['Adele'], undefined],
    ['a number', 5, undefined],
  ])('name with %s', (_name, name, expected) => {
    const caller = callerFromClaims(delegated({ name }));
    expect(caller.displayName).toBe(expected);
    if (caller.displayName !== undefined) expect(isPlain(caller.displayName)).toBe(true);
  });

  test('emoji and non-Latin letters are kept; a cut never splits a surrogate pair', () => {
    expect(callerFromClaims(delegated({ name: 'Ådele 🦊 Vance 李' })).displayName).toBe('Ådele 🦊 Vance 李');
    const name = 'x'.repeat(255) + '🦊'.repeat(10);
    const displayName = callerFromClaims(delegated({ name })).displayName!;
    expect(displayName).toBe('x'.repeat(255));
    expect(isPlain(displayName)).toBe(true);
  });

  test('control characters spread through a long name: the result is plain and at most 256', () => {
    const name = Array.from({ length: 2_000 }, (_, i) => (i % 3 === 0 ? '\u202e' : 'ab\u0000')).join('');
    const displayName = plainDisplayName(name)!;
    expect(displayName.length).toBeLessThanOrEqual(256);
    expect(displayName).toMatch(/^(ab)+$/);
    expect(isPlain(displayName)).toBe(true);
  });

  test('app_displayname gets the same treatment', () => {
    const caller = callerFromClaims(delegated({ app_displayname: `\u202eContoso ${'A'.repeat(600)}` }));
    expect(caller.appDisplayName).toBe(`Contoso ${'A'.repeat(248)}`);
    expect(isPlain(caller.appDisplayName!)).toBe(true);
    expect(callerFromClaims(delegated({ app_displayname: '\u200b' })).appDisplayName).toBeUndefined();
  });
});

describe('azp and appid are kept only as GUIDs', () => {
  test.each([
    ['a braced GUID', `{${TEST_CLIENT_APP_ID}}`],
    ['text', 'my-app'],
    ['9,000 characters', 'a'.repeat(9_000)],
    ['an array', [TEST_CLIENT_APP_ID]],
  ])('azp as %s is dropped', (_name, azp) => {
    expect(callerFromClaims(delegated({ azp })).appId).toBeUndefined();
  });

  test('a valid appid is used when azp is missing or invalid; upper case is lower-cased', () => {
    const appid = TEST_CLIENT_APP_ID.toUpperCase();
    expect(callerFromClaims(delegated({ azp: undefined, appid })).appId).toBe(TEST_CLIENT_APP_ID);
    expect(callerFromClaims(delegated({ azp: 'not-a-guid', appid })).appId).toBe(TEST_CLIENT_APP_ID);
    expect(callerFromClaims(delegated({ azp: 'not-a-guid', appid: '../x' })).appId).toBeUndefined();
  });
});

describe('upn and preferred_username are bounded', () => {
  test.each([
    ['longer than 113 characters', `${'a'.repeat(64)}@${'b'.repeat(49)}`],
    ['9,000 characters', `${'a'.repeat(8_000)}@${'b'.repeat(999)}`],
    ['control characters', 'adele\u0000@contoso.example'],
    ['a bidi override', 'adele\u202e@contoso.example'],
    ['white space', 'adele vance@contoso.example'],
    ['no @', 'adele'],
    ['two @', 'a@b@c'],
    ['not a string', ['adele@contoso.example']],
  ])('%s: dropped', (_name, value) => {
    expect(
      callerFromClaims(delegated({ upn: value, preferred_username: undefined })).userPrincipalName,
    ).toBeUndefined();
    expect(
      callerFromClaims(delegated({ upn: undefined, preferred_username: value })).userPrincipalName,
    ).toBeUndefined();
  });

  test('113 characters is accepted; a bad upn falls back to a good preferred_username', () => {
    const longest = `${'a'.repeat(64)}@${'b'.repeat(48)}`;
    expect(callerFromClaims(delegated({ upn: longest })).userPrincipalName).toBe(longest);
    expect(callerFromClaims(delegated({ upn: 'x'.repeat(500) })).userPrincipalName).toBe('adele@contoso.example');
  });
});

describe('the Caller cannot be changed (one cached Caller serves many requests)', () => {
  test('the object is frozen and its sets refuse changes', () => {
    const caller = callerFromClaims(delegated());
    expect(Object.isFrozen(caller)).toBe(true);
    expect(Reflect.set(caller, 'objectId', randomUUID())).toBe(false);
    expect(Reflect.set(caller, 'scopes', new Set(['Directory.ReadWrite.All']))).toBe(false);
    for (const set of [caller.scopes, caller.roles, caller.directoryRoles] as Set<string>[]) {
      expect(() => set.add('Directory.ReadWrite.All')).toThrow(TypeError);
      expect(() => set.delete('UserAuthenticationMethod.ReadWrite.All')).toThrow(TypeError);
      expect(() => set.clear()).toThrow(TypeError);
    }
    expect([...caller.scopes]).toEqual(['UserAuthenticationMethod.ReadWrite.All']);
    expect([...caller.directoryRoles]).toEqual(['c4e39bd9-1100-46d3-8c65-fb160da0071f']);
    expect(caller.objectId).toBe(OID);
  });

  test('the empty sets shared between Callers refuse changes too', () => {
    const first = callerFromClaims(delegated({ wids: undefined }));
    const second = callerFromClaims(delegated({ wids: [] }));
    expect(() => (first.roles as Set<string>).add('UserAuthenticationMethod.ReadWrite.All')).toThrow(TypeError);
    expect(second.roles.size).toBe(0);
    expect(second.directoryRoles.size).toBe(0);
  });
});

describe('kinds of caller (unchanged behaviour)', () => {
  test('delegated: scopes split on spaces, roles ignored', () => {
    const caller: Caller = callerFromClaims(
      delegated({ scp: ' User.Read  User.ReadWrite ', roles: ['UserAuthenticationMethod.ReadWrite.All'] }),
    );
    expect(caller.kind).toBe('delegated');
    expect([...caller.scopes]).toEqual(['User.Read', 'User.ReadWrite']);
    expect(caller.roles.size).toBe(0);
    expect(caller.userPrincipalName).toBe('adele@contoso.example');
    expect(caller.displayName).toBe('Adele Vance');
    expect(caller.appId).toBe(TEST_CLIENT_APP_ID);
  });

  test('app: idtyp app, or no scp and oid == sub; roles kept, no scopes, no user principal name', () => {
    for (const claims of [
      { oid: OID, sub: 'other', idtyp: 'app', scp: undefined, roles: ['R.All'] },
      { oid: OID, sub: OID, idtyp: undefined, scp: undefined, roles: ['R.All'] },
    ]) {
      const caller = callerFromClaims(delegated(claims));
      expect(caller.kind).toBe('app');
      expect([...caller.roles]).toEqual(['R.All']);
      expect(caller.scopes.size).toBe(0);
      expect(caller.userPrincipalName).toBeUndefined();
    }
  });
});
