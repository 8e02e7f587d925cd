// The engine behind CORESET and CORAL (coreset.ts): greedy farthest-first picking with the objective
//   value(i) = d(i) * w(i)      d(i) = min over selected rows s of ||x_i - x_s||_2 (float64, summed over
//                                dimensions in order, then sqrt); w(i) = 1, or CORAL's score^strength
// and the pick = argmax over open candidates, ties to the lowest index.
//
// Plain k-center greedy reads all N rows once per pick. This engine is lazy instead (exact, same picks):
// - d(i) is kept as an upper bound: the minimum over the first seen(i) centres only. More centres can
//   only lower it, so value(i) from a stale bound is an upper bound of the true value.
// - Candidates sit in a max-heap on (value, -index). The top is brought up to date against the centres
//   it has not seen; when it is up to date it is the true argmax (every other value is at most its key).
// - Bringing a row up to date stops as soon as its value falls below the best key among the rest: it can
//   no longer win this pick, and its bound stays valid for later picks.
// - The float32 SIMD filter (distance-filter.ts) proves most centres too far to lower d(i), so the exact
//   float64 distance is computed only for the few that might.
// Memory: O(N) for the bounds and the heap, plus the float32 copy of the rows for the filter; no N x N or
// N x k matrix.
import { createDistanceFilter, type DistanceFilter } from './distance-filter';
import type { RowNorms } from './row-norms';

export interface GreedyProblem {
  data: Float64Array;
  n: number;
  dim: number;
  /** Rows that may be picked, ascending. */
  candidates: readonly number[];
  /** Selected before picking starts (the first centres). */
  preselected: readonly number[];
  /** w(i) per row, or null for w = 1. */
  factor: Float64Array | null;
  wanted: number;
  minDistance?: number;
  /** rowNorms(data, n, dim), computed by the caller while checking the rows. */
  stats: RowNorms;
  /** 'auto': the float32 filter when it can be used; 'exact': float64 distances only (tests, benchmarks). */
  kernel?: 'auto' | 'exact';
}

export interface GreedyOutcome {
  picks: number[];
  /** d of each pick when picked; Infinity for a pick made with nothing selected. */
  pickDistances: number[];
  /** d of the best open candidate after the picks; 0 when none is open, null when nothing is selected. */
  maxMinDistance: number | null;
  stoppedBy?: 'minDistance' | 'candidatesExhausted';
}

export function kCenterGreedy(problem: GreedyProblem): GreedyOutcome {
  const { data, n, dim, candidates, preselected, factor, wanted } = problem;
  const capacity = preselected.length + Math.min(wanted, candidates.length);
  const filter: DistanceFilter | null =
    problem.kernel === 'exact' ? null : createDistanceFilter(data, n, dim, Math.max(1, capacity), problem.stats);

  const centres = new Int32Array(Math.max(1, capacity));
  let m = 0;
  const addCentre = (row: number) => {
    centres[m++] = row;
    filter?.addCentre(row);
  };

  const exactDistance = (i: number, s: number) => {
    let d2 = 0;
    const row = i * dim;
    const base = s * dim;
    for (let k = 0; k < dim; k++) {
      const diff = data[row + k] - data[base + k];
      d2 += diff * diff;
    }
    return Math.sqrt(d2);
  };

  const bound = new Float64Array(n).fill(Infinity);
  const seen = new Int32Array(n);
  const valueOf = (i: number, d: number) => (factor ? d * factor[i] : d);

  /** Brings row i up to date against centres [seen(i), m), stopping once its value is below `limit`; returns its key. */
  const refresh = (i: number, limit: number) => {
    let u = bound[i];
    let c = seen[i];
    while (c < m) {
      if (filter) {
        c = filter.firstCandidateCentre(i, c, m, u);
        if (c === m) break;
      }
      const d = exactDistance(i, centres[c]);
      c++;
      if (d < u) {
        u = d;
        if (valueOf(i, u) < limit) break;
      }
    }
    bound[i] = u;
    seen[i] = c;
    return valueOf(i, u);
  };

  for (const s of preselected) addCentre(s);
  const picks: number[] = [];
  const pickDistances: number[] = [];
  const open = [...candidates];

  // With nothing selected every d is infinite: the objective is w alone (first pick: the lowest index,
  // or the highest weight), as in Lightly's engine.
  if (m === 0 && wanted > 0 && open.length > 0) {
    let first = 0;
    if (factor) for (let j = 1; j < open.length; j++) if (factor[open[j]] > factor[open[first]]) first = j;
    picks.push(open[first]);
    pickDistances.push(Infinity);
    addCentre(open[first]);
    open.splice(first, 1);
  }
  if (m === 0) {
    return {
      picks,
      pickDistances,
      maxMinDistance: null,
      ...(wanted > 0 ? { stoppedBy: 'candidatesExhausted' as const } : {}),
    };
  }

  // Max-heap of open candidates on (key desc, index asc). Each candidate starts with the first centre
  // only (a limit of Infinity stops after its first finite distance), so keys are finite upper bounds and
  // the other centres (many, when much is labelled) are compared lazily. Keys are stored beside the rows
  // in heap order so that sifting reads contiguous memory.
  const heap = Int32Array.from(open);
  const heapKey = Float64Array.from(open, (i) => refresh(i, Infinity));
  let size = heap.length;
  const siftDown = (from: number) => {
    const x = heap[from];
    const kx = heapKey[from];
    let p = from;
    for (;;) {
      let child = 2 * p + 1;
      if (child >= size) break;
      let kc = heapKey[child];
      if (child + 1 < size) {
        const kr = heapKey[child + 1];
        if (kr > kc || (kr === kc && heap[child + 1] < heap[child])) {
          child++;
          kc = kr;
        }
      }
      if (!(kc > kx || (kc === kx && heap[child] < x))) break;
      heap[p] = heap[child];
      heapKey[p] = kc;
      p = child;
    }
    heap[p] = x;
    heapKey[p] = kx;
  };
  for (let p = (size >> 1) - 1; p >= 0; p--) siftDown(p);

  /** The open candidate of largest true value (lowest index on ties), up to date. */
  const best = () => {
    for (;;) {
      const top = heap[0];
      if (seen[top] === m) return top;
      const rival = size > 2 ? Math.max(heapKey[1], heapKey[2]) : size === 2 ? heapKey[1] : -Infinity;
      heapKey[0] = refresh(top, rival);
      siftDown(0);
    }
  };

  let stoppedBy: GreedyOutcome['stoppedBy'];
  while (picks.length < wanted) {
    if (size === 0) {
      stoppedBy = 'candidatesExhausted';
      break;
    }
    const pick = best();
    const d = bound[pick];
    if (problem.minDistance !== undefined && d < problem.minDistance) {
      stoppedBy = 'minDistance';
      break;
    }
    size--;
    heap[0] = heap[size];
    heapKey[0] = heapKey[size];
    siftDown(0);
    picks.push(pick);
    pickDistances.push(d);
    addCentre(pick);
  }
  const maxMinDistance = size === 0 ? 0 : bound[best()];
  return stoppedBy ? { picks, pickDistances, maxMinDistance, stoppedBy } : { picks, pickDistances, maxMinDistance };
}
