// TYPICLUST: typical images of uncovered clusters (Hacohen, Dekel and Weinshall 2022, "Active learning on
// a budget: opposite strategies suit high and low budgets"). At small budgets the most typical images of
// the densest regions teach more than the outliers that k-center greedy (CORESET) reaches first.
//   1. k-means on the labelled and candidate rows, k = |labelled| + count clusters (k-means++ seeding
//      from mulberry32(seed); Lloyd's iterations until no row changes cluster, at most MAX_ITERATIONS).
//   2. typicality(x) = 1 / mean_{y in kNN(x)} ||x - y||_2, kNN among x's own cluster,
//      K = min(NEIGHBOURS, cluster size - 1); a cluster of one gives its row typicality +infinity.
//   3. count times: the cluster with the fewest labelled or picked rows, ties to the larger cluster, then
//      to the lower cluster index; clusters under MIN_CLUSTER_SIZE rows only when no larger one has a
//      candidate left (they are outliers); pick its most typical candidate (ties to the lowest index).
// Cost: O(iterations x N x k x D) for k-means and O(sum of cluster size^2 x D) for typicality, so it suits
// the first batches (k small); CORESET is the method for pools of millions (docs/selection.md).
import type { Embeddings } from './embeddings-csv';
import { mulberry32 } from './random';

export const NEIGHBOURS = 20;
export const MIN_CLUSTER_SIZE = 5;
export const MAX_ITERATIONS = 100;

export interface TypiclustOptions {
  preselected: readonly number[];
  candidates: readonly number[];
  count: number;
  /** Seeds k-means++. */
  seed: number;
}

function squaredDistance(data: ArrayLike<number>, dim: number, a: number, b: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const v = data[a * dim + d] - data[b * dim + d];
    s += v * v;
  }
  return s;
}

/** Cluster of each of `rows` (k-means++ then Lloyd), k <= rows.length. */
export function kMeans(
  data: ArrayLike<number>,
  dim: number,
  rows: readonly number[],
  k: number,
  seed: number,
): Int32Array {
  const n = rows.length;
  const next = mulberry32(seed);
  const centres = new Float64Array(k * dim);
  const setCentre = (c: number, row: number) => {
    for (let d = 0; d < dim; d++) centres[c * dim + d] = data[row * dim + d];
  };
  const toCentre = (row: number, c: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = data[row * dim + d] - centres[c * dim + d];
      s += v * v;
    }
    return s;
  };
  // k-means++: each next centre a row drawn with probability proportional to its squared distance to the
  // nearest centre so far (the first one uniformly).
  setCentre(0, rows[Math.floor(next() * n)]);
  const nearest = Float64Array.from(rows, (r) => toCentre(r, 0));
  for (let c = 1; c < k; c++) {
    const total = nearest.reduce((s, v) => s + v, 0);
    let pick = 0;
    if (total > 0) {
      let u = next() * total;
      while (pick < n - 1 && (u -= nearest[pick]) >= 0) pick++;
    } else pick = Math.floor(next() * n);
    setCentre(c, rows[pick]);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], toCentre(rows[i], c));
  }
  const assignment = new Int32Array(n).fill(-1);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = toCentre(rows[i], c);
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (assignment[i] !== best) [assignment[i], changed] = [best, changed + 1];
    }
    if (!changed) break;
    const sizes = new Float64Array(k);
    centres.fill(0);
    for (let i = 0; i < n; i++) {
      sizes[assignment[i]]++;
      for (let d = 0; d < dim; d++) centres[assignment[i] * dim + d] += data[rows[i] * dim + d];
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c]) for (let d = 0; d < dim; d++) centres[c * dim + d] /= sizes[c];
      else setCentre(c, rows[Math.floor(next() * n)]); // an emptied cluster restarts on a random row
    }
  }
  return assignment;
}

/** 1 / mean distance to the K nearest other members, for each member of one cluster. */
export function typicality(data: ArrayLike<number>, dim: number, members: readonly number[]): Float64Array {
  const k = Math.min(NEIGHBOURS, members.length - 1);
  return Float64Array.from(members, (a) => {
    if (k === 0) return Infinity;
    const distances = members
      .filter((b) => b !== a)
      .map((b) => Math.sqrt(squaredDistance(data, dim, a, b)))
      .sort((x, y) => x - y);
    const mean = distances.slice(0, k).reduce((s, v) => s + v, 0) / k;
    return mean > 0 ? 1 / mean : Infinity;
  });
}

/** The picked rows, in pick order. */
export function typiclustSelect(e: Embeddings, o: TypiclustOptions): number[] {
  const labelled = [...new Set(o.preselected)];
  const taken = new Set(labelled);
  const open = [...new Set(o.candidates)].filter((i) => !taken.has(i));
  const count = Math.min(Math.max(0, Math.floor(o.count)), open.length);
  if (!count) return [];
  const rows = [...labelled, ...open];
  for (const i of rows) {
    if (!Number.isInteger(i) || i < 0 || i >= e.filenames.length)
      throw new RangeError(`typiclust: row ${i} is not a row of the ${e.filenames.length} embeddings`);
    for (let d = 0; d < e.dim; d++)
      if (!Number.isFinite(e.data[i * e.dim + d]))
        throw new RangeError(`typiclust: embedding ${i} (${e.filenames[i]}) has a value that is not a finite number`);
  }
  const k = Math.min(labelled.length + count, rows.length);
  const assignment = kMeans(e.data, e.dim, rows, k, o.seed);
  const members: number[][] = Array.from({ length: k }, () => []);
  rows.forEach((row, i) => members[assignment[i]].push(row));
  const covered = new Int32Array(k);
  for (let i = 0; i < labelled.length; i++) covered[assignment[i]]++;
  // Each cluster's open rows, most typical first (ties to the lowest index).
  const queues = members.map((m) => {
    const t = typicality(e.data, e.dim, m);
    return m
      .map((row, j) => [row, t[j]] as const)
      .filter(([row]) => !taken.has(row))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([row]) => row);
  });
  const picks: number[] = [];
  while (picks.length < count) {
    let best = -1;
    for (let c = 0; c < k; c++) {
      if (!queues[c].length) continue;
      if (best < 0) {
        best = c;
        continue;
      }
      const [small, bestSmall] = [members[c].length < MIN_CLUSTER_SIZE, members[best].length < MIN_CLUSTER_SIZE];
      if (small !== bestSmall) {
        if (bestSmall) best = c;
        continue;
      }
      if (covered[c] !== covered[best]) {
        if (covered[c] < covered[best]) best = c;
        continue;
      }
      if (members[c].length > members[best].length) best = c;
    }
    picks.push(queues[best].shift()!);
    covered[best]++;
  }
  return picks;
}
