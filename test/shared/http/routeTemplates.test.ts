import { operations } from '../../../functions/operations';
import { registrationsOf } from '../../../shared/http/pipeline';
import { ROUTE_PREFIX } from '../../../shared/http/graphResponses';
import { BadPathError, compileRoute, decodeSegment, matchRoute } from '../../../shared/http/routeTemplates';

/** The local server's route matching follows ASP.NET Core routing, as the Functions host does. */
describe('route templates', () => {
  const phones = compileRoute(
    ROUTE_PREFIX,
    registrationsOf(operations).find((r) => r.name === 'createProfilePhone')!.route,
  );
  const methods = compileRoute(
    ROUTE_PREFIX,
    registrationsOf(operations).find((r) => r.name === 'createPhoneMethod')!.route,
  );

  test("the prefix comes from host.json (empty: the version is the route's first segment) and is part of the template", () => {
    expect(ROUTE_PREFIX).toBe('');
    expect(methods.template).toBe('beta/users/{userId}/authentication/phoneMethods');
    expect(compileRoute('api', 'a/{b}').template).toBe('api/a/{b}');
  });

  test('literals compare case-insensitively; parameters capture one decoded segment; one trailing slash is ignored', () => {
    expect(matchRoute(methods, '/BETA/Users/Adele%40contoso.com/Authentication/PHONEMETHODS/')).toEqual({
      userId: 'Adele@contoso.com',
    });
    expect(matchRoute(methods, '/beta/users/a/b/authentication/phoneMethods')).toBeUndefined();
    expect(matchRoute(methods, '/beta/users//authentication/phoneMethods')).toBeUndefined();
    expect(matchRoute(methods, '/beta/users/x/authentication')).toBeUndefined();
  });

  test('regex constraints are case-insensitive and applied to the decoded value', () => {
    expect(matchRoute(phones, '/beta/user/x/profile/phones')).toEqual({ collection: 'user', userId: 'x' });
    expect(matchRoute(phones, '/beta/USERS/x/profile/phones')).toEqual({ collection: 'USERS', userId: 'x' });
    expect(matchRoute(phones, '/beta/%75sers/x/profile/phones')).toEqual({ collection: 'users', userId: 'x' });
    expect(matchRoute(phones, '/beta/userss/x/profile/phones')).toBeUndefined();
    expect(matchRoute(phones, '/beta/people/x/profile/phones')).toBeUndefined();
  });

  test('a regex constraint is not anchored unless it says so (RegexRouteConstraint uses IsMatch)', () => {
    const loose = compileRoute('', '{kind:regex(user)}/x');
    expect(matchRoute(loose, '/superusers/x')).toEqual({ kind: 'superusers' });
  });

  test('a slash inside a constraint does not split the template; optional trailing parameters may be left out', () => {
    const route = compileRoute('', 'files/{path:regex(^a/b$)}/{rest?}');
    expect(route.segments).toHaveLength(3);
    expect(matchRoute(compileRoute('', 'items/{id?}'), '/items')).toEqual({});
    expect(matchRoute(compileRoute('', 'items/{id?}'), '/items/7')).toEqual({ id: '7' });
  });

  test('%2F stays encoded inside a segment (as Kestrel does); a broken escape is a BadPathError', () => {
    expect(decodeSegment('a%2Fb%2fc%20d')).toBe('a%2Fb%2fc d');
    expect(() => decodeSegment('%E0%A4%A')).toThrow(BadPathError);
  });

  test('constraints other than regex(...) and mixed segments are refused when compiling', () => {
    expect(() => compileRoute('', 'users/{id:guid}')).toThrow(/only regex/);
    expect(() => compileRoute('', 'users/{id}.json')).toThrow(/Unsupported route template/);
  });
});
