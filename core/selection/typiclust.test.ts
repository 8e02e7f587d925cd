import type { Embeddings } from './embeddings-csv';
import { seededNormals } from './random';
import { kMeans, typicality, typiclustSelect } from './typiclust';

/** Blobs in 2-D (unit spread) of the given sizes and centres, then the extra rows, in that order. */
function blobs(spec: [number, number, number][], extra: number[][] = []): { e: Embeddings; blobOf: number[] } {
  const z = seededNormals(2 * spec.reduce((s, [, , n]) => s + n, 0), 7);
  const rows: number[][] = [];
  const blobOf: number[] = [];
  let j = 0;
  spec.forEach(([cx, cy, n], b) => {
    for (let i = 0; i < n; i++, j += 2) {
      rows.push([cx + z[j], cy + z[j + 1]]);
      blobOf.push(b);
    }
  });
  for (const r of extra) {
    rows.push(r);
    blobOf.push(-1);
  }
  return {
    e: { filenames: rows.map((_, i) => `r${i}.png`), dim: 2, data: Float64Array.from(rows.flat()) },
    blobOf,
  };
}

const SPEC: [number, number, number][] = [
  [0, 0, 60],
  [20, 0, 30],
  [0, 20, 12],
];
const all = (e: Embeddings) => e.filenames.map((_, i) => i);

test('k-means separates well-separated blobs', () => {
  const { e, blobOf } = blobs(SPEC);
  const assignment = kMeans(e.data, e.dim, all(e), 3, 0);
  const clusterOfBlob = [0, 1, 2].map((b) => new Set(blobOf.flatMap((x, i) => (x === b ? [assignment[i]] : []))));
  expect(clusterOfBlob.map((s) => s.size)).toEqual([1, 1, 1]);
  expect(new Set(clusterOfBlob.map((s) => [...s][0])).size).toBe(3);
});

test('typicality is highest in the dense middle of a cluster', () => {
  const data = Float64Array.from([0, 0, 1, 0, -1, 0, 0, 1, 0, -1, 9, 9]);
  const t = typicality(data, 2, [0, 1, 2, 3, 4, 5]);
  expect(t.indexOf(Math.max(...t))).toBe(0);
  expect(t.indexOf(Math.min(...t))).toBe(5);
  expect(typicality(data, 2, [3])[0]).toBe(Infinity);
});

test('one typical image per blob, largest first, never the outliers', () => {
  const { e, blobOf } = blobs(SPEC, [
    [60, 60],
    [-60, 50],
  ]);
  const picks = typiclustSelect(e, { preselected: [], candidates: all(e), count: 3, seed: 0 });
  expect(picks.map((i) => blobOf[i])).toEqual([0, 1, 2]);
  // each pick lies near its blob's centre (typical), not on its rim
  for (const i of picks) {
    const [cx, cy] = SPEC[blobOf[i]];
    expect(Math.hypot(e.data[2 * i] - cx, e.data[2 * i + 1] - cy)).toBeLessThan(1.2);
  }
});

test('labelled rows cover their cluster: the picks go to the uncovered blobs first', () => {
  const { e, blobOf } = blobs(SPEC);
  const labelled = [0, 1]; // two rows of the largest blob
  const picks = typiclustSelect(e, { preselected: labelled, candidates: all(e), count: 2, seed: 3 });
  expect(picks.map((i) => blobOf[i]).sort()).toEqual([1, 2]);
  expect(picks.some((i) => labelled.includes(i))).toBe(false);
});

test('deterministic per seed; only candidates, each once; at most the candidates left', () => {
  const { e } = blobs(SPEC);
  const candidates = all(e).filter((i) => i % 3 === 0);
  const a = typiclustSelect(e, { preselected: [1], candidates, count: 8, seed: 5 });
  expect(typiclustSelect(e, { preselected: [1], candidates, count: 8, seed: 5 })).toEqual(a);
  expect(a).toHaveLength(8);
  expect(new Set(a).size).toBe(8);
  expect(a.every((i) => candidates.includes(i))).toBe(true);
  expect(typiclustSelect(e, { preselected: [], candidates: [4, 5, 6], count: 10, seed: 0 }).sort()).toEqual([4, 5, 6]);
  expect(typiclustSelect(e, { preselected: [], candidates, count: 0, seed: 0 })).toEqual([]);
});

test('a non-finite embedding is named', () => {
  const { e } = blobs(SPEC);
  e.data[2 * 7 + 1] = NaN;
  expect(() => typiclustSelect(e, { preselected: [], candidates: all(e), count: 3, seed: 0 })).toThrow(
    /embedding 7 \(r7\.png\)/,
  );
});
