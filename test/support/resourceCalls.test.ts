import { operations } from '../../functions/operations';
import { registrationsOf } from '../../shared/http/pipeline';
import { callOf } from './resourceCalls';

/** The test client reaches every registered function, each through exactly one call of its resource. */
test('every registration is one call (list, create, get, update, delete or an action) of its resource', () => {
  const calls = registrationsOf(operations).map((registration) => {
    const { name } = callOf(registration);
    expect(name).toMatch(/^(list|create|get|update|delete|action:\w+)$/);
    const { version, me, operation } = registration;
    return `${version} ${me ? 'me' : 'users'} ${operation.collectionPath} ${name}`;
  });
  expect(new Set(calls).size).toBe(calls.length);
});
