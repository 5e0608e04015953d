import { LruMap } from '../../../shared/users/lruMap';

/** The directory cache's bounded map (shared/users/lruMap.ts): which entry goes first. */

const keysOf = (map: LruMap<number>, keys: string[]) => keys.filter((key) => map.peek(key) !== undefined);

test('holds at most max entries and drops the least recently set first', () => {
  const map = new LruMap<number>(3);
  for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
  expect(map.size).toBe(3);
  expect(keysOf(map, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
});

test('a hit makes its entry the most recently used; peek does not', () => {
  const map = new LruMap<number>(3);
  map.set('a', 1);
  map.set('b', 2);
  map.set('c', 3);
  expect(map.get('a')).toBe(1); // a is now the youngest: b goes first
  expect(map.peek('b')).toBe(2); // and peeking at b does not save it
  map.set('d', 4);
  expect(keysOf(map, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
  map.set('e', 5);
  expect(keysOf(map, ['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'd', 'e']);
});

test('setting a held key replaces its value and makes it the youngest, without growing', () => {
  const map = new LruMap<number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 10);
  expect(map.size).toBe(2);
  map.set('c', 3);
  expect(map.peek('a')).toBe(10);
  expect(map.peek('b')).toBeUndefined();
});

test('a deleted key is gone and frees its place; deleting an absent key changes nothing', () => {
  const map = new LruMap<number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.delete('a');
  map.delete('zz');
  expect(map.size).toBe(1);
  expect(map.get('a')).toBeUndefined();
  map.set('c', 3);
  expect(keysOf(map, ['a', 'b', 'c'])).toEqual(['b', 'c']);
  // The only entry, hit and deleted again, leaves an empty map that still works.
  const one = new LruMap<number>(1);
  one.set('x', 1);
  expect(one.get('x')).toBe(1);
  one.delete('x');
  one.set('y', 2);
  one.set('z', 3);
  expect(keysOf(one, ['x', 'y', 'z'])).toEqual(['z']);
});

test('order survives many hits on a large map: the one never hit goes first', () => {
  const map = new LruMap<number>(10_000);
  for (let i = 0; i < 10_000; i += 1) map.set(`k${i}`, i);
  for (let round = 0; round < 3; round += 1) for (let i = 1; i < 10_000; i += 1) map.get(`k${i}`);
  map.set('new', -1);
  expect(map.peek('k0')).toBeUndefined();
  expect(map.size).toBe(10_000);
  map.set('newer', -2);
  expect(map.peek('k1')).toBeUndefined();
  expect(map.peek('k2')).toBe(2);
});
