import { rowLookup } from './row-lookup';

test('names in row order, out of it, repeated and unknown all find their row', () => {
  const rowOf = rowLookup(['a', 'b', 'c', 'd']);
  expect(['a', 'b', 'd', 'a', 'c', 'd', 'x', 'b'].map(rowOf)).toEqual([0, 1, 3, 0, 2, 3, undefined, 1]);
  expect(rowLookup([])('a')).toBeUndefined();
});
