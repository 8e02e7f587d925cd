import type { Embeddings } from './embeddings-csv';
import { selectRows } from './select';
import { SHORTLIST_FACTOR, uncertainCoresetSelect } from './uncertain-coreset';
import { uncertaintySelect } from './uncertainty';

const embeddings = (rows: number[][]): Embeddings => ({
  filenames: rows.map((_, i) => `img${i}.png`),
  dim: rows[0].length,
  data: Float64Array.from(rows.flat()),
});

test('uncertainty: highest scores first, ties to the lowest index, only candidates', () => {
  const scores = [0.2, 0.9, 0.5, 0.9, 0.1, 1.5];
  expect(uncertaintySelect([0, 1, 2, 3, 4], scores, 3)).toEqual([1, 3, 2]);
  expect(uncertaintySelect([4, 2], scores, 5)).toEqual([2, 4]);
  expect(uncertaintySelect([0, 1], scores, 0)).toEqual([]);
  expect(() => uncertaintySelect([0, 1], [0, Number.NaN], 1)).toThrow(/score of row 1 is NaN/);
});

test('uncertain coreset: k-center among the shortlist of the most uncertain, never a confident image', () => {
  // Two tight clusters of uncertain near-copies (rows 0-3 at x=0, rows 4-7 at x=10) and confident outliers
  // far away (rows 8-11). CORESET alone would take the outliers; UNCERTAINTY would take near-copies of one
  // cluster; the two stages take one of each cluster.
  const rows = [[0], [0.01], [0.02], [0.03], [10], [10.01], [10.02], [10.03], [100], [200], [300], [400]];
  const scores = [0.95, 0.94, 0.93, 0.92, 0.8, 0.79, 0.78, 0.77, 0.1, 0.1, 0.1, 0.1];
  const e = embeddings(rows);
  const candidates = rows.map((_, i) => i);
  expect(uncertaintySelect(candidates, scores, 2)).toEqual([0, 1]);
  const picks = uncertainCoresetSelect(e, { preselected: [], candidates, batchSize: 2, scores }).picks;
  expect(picks).toEqual([0, 7]);
  // One pick with row 1 labelled: the shortlist is the SHORTLIST_FACTOR (4) most uncertain others, rows 0, 2,
  // 3 and 4, and k-center takes the one far from the labelled row: 4 (not 7, outside the shortlist).
  expect(SHORTLIST_FACTOR).toBe(4);
  expect(
    uncertainCoresetSelect(e, { preselected: [1], candidates: candidates.filter((i) => i !== 1), batchSize: 1, scores })
      .picks,
  ).toEqual([4]);
});

test('selectRows dispatches the scored methods and asks for scores', () => {
  const e = embeddings([[0], [1], [2], [3]]);
  const base = { embeddings: e, preselected: [], candidates: [0, 1, 2, 3], count: 1, seed: 0 };
  expect(selectRows({ ...base, method: 'UNCERTAINTY', scores: [0, 0, 3, 1] })).toEqual([2]);
  expect(selectRows({ ...base, method: 'UNCERTAIN_CORESET', scores: [0, 0, 3, 1] })).toHaveLength(1);
  expect(() => selectRows({ ...base, method: 'UNCERTAINTY' })).toThrow('UNCERTAINTY needs one score per embedding row');
});
