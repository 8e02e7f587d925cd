import { coresetSelect } from './coreset';
import { formatEmbeddingsCsv, parseEmbeddingsCsv, type Embeddings } from './embeddings-csv';
import { mulberry32, randomSelect } from './random';

const embeddings = (rows: number[][]): Embeddings => ({ filenames: rows.map((_, i) => `img${i}.png`), dim: rows[0].length, data: Float64Array.from(rows.flat()) });

/** Straightforward float64 k-center greedy: full distance recomputation per pick. */
function naiveCoreset(rows: number[][], preselected: number[], k: number): number[] {
  const selected = [...preselected];
  const picks: number[] = [];
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  while (picks.length < k) {
    let best = -1;
    let bestD = -1;
    for (let i = 0; i < rows.length; i++) {
      if (selected.includes(i)) continue;
      const d = selected.length ? Math.min(...selected.map((s) => dist(rows[i], rows[s]))) : Infinity;
      if (selected.length === 0) {
        best = i;
        break;
      }
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    }
    picks.push(best);
    selected.push(best);
  }
  return picks;
}

test('coreset: hand-checked picks on a line; first pick index 0; ties to the lowest index', () => {
  const e = embeddings([[0], [1], [10], [4], [-6]]);
  // from 0: farthest 10 (idx 2); then min-dists: 1->1, 4->4, -6->6 -> idx 4; then 4 (dist 4) vs 1 (dist 1) -> idx 3
  expect(coresetSelect(e, { batchSize: 3 }).picks).toEqual([0, 2, 4]);
  expect(coresetSelect(e, { batchSize: 4 }).picks).toEqual([0, 2, 4, 3]);
  const tie = embeddings([[0], [-5], [5]]);
  expect(coresetSelect(tie, { batchSize: 2 }).picks).toEqual([0, 1]);
  // preselected 10: -6 is farthest (16); then min-dists 0->6, 1->7, 4->6 -> idx 1
  expect(coresetSelect(e, { batchSize: 2, preselected: [2] }).picks).toEqual([4, 1]);
  expect(coresetSelect(e, { batchSize: 5, minDistance: 5 }).picks).toEqual([0, 2, 4]);
});

test('coreset matches a naive float64 reference on random embeddings', () => {
  const rand = mulberry32(7);
  const rows = Array.from({ length: 300 }, () => Array.from({ length: 8 }, () => rand() * 2 - 1));
  expect(coresetSelect(embeddings(rows), { batchSize: 25 }).picks).toEqual(naiveCoreset(rows, [], 25));
  expect(coresetSelect(embeddings(rows), { batchSize: 20, preselected: [5, 17, 200] }).picks).toEqual(naiveCoreset(rows, [5, 17, 200], 20));
});

test('random selection is seeded and excludes nothing it was not given', () => {
  const candidates = Array.from({ length: 50 }, (_, i) => i);
  const a = randomSelect(candidates, 10, 3);
  expect(randomSelect(candidates, 10, 3)).toEqual(a);
  expect(randomSelect(candidates, 10, 4)).not.toEqual(a);
  expect(new Set(a).size).toBe(10);
  expect(randomSelect(candidates, 99, 3)).toHaveLength(50);
});

test('embeddings CSV: Lightly layout round-trips; bad rows name their line', () => {
  const e = embeddings([[0.6, 0.8], [1, 0]]);
  const text = formatEmbeddingsCsv(e);
  expect(text.split('\n')[0]).toBe('filenames,embedding_0,embedding_1,labels');
  expect(parseEmbeddingsCsv(text, 'e.csv')).toEqual(e);
  expect(() => parseEmbeddingsCsv('filenames,embedding_0,labels\na.png,x,0\n', 'e.csv')).toThrow('e.csv:2: embedding_0 is not a number');
  expect(() => parseEmbeddingsCsv('name,x\n', 'e.csv')).toThrow('e.csv:1');
});
