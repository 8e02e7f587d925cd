import { deduplicatedCandidates } from './deduplicated';

test('candidates are the kept rows among them when there are enough for the batch', () => {
  expect(deduplicatedCandidates([0, 1, 2, 3, 4, 5], new Set([1, 3, 5, 7]), 3)).toEqual([1, 3, 5]);
});

test('with fewer kept candidates than the batch, every candidate stays open, so the batch is not cut short', () => {
  expect(deduplicatedCandidates([0, 1, 2, 3], new Set([1, 7]), 2)).toEqual([0, 1, 2, 3]);
});
