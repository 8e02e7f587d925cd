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
// - With the float32 SIMD kernel (distance-filter.ts), bounds are built from proven float32 upper bounds
//   of the distances (and a refresh may look first at the centre a sketch says is nearest: any centre's
//   distance bounds d(i) from above). The exact float64 d(i) is computed only for a row that reaches the
//   top up to date (about once per pick), against the few centres the float32 lower bound cannot prove
//   farther than its nearest; if it is still on top, it is the argmax.
// - A copy of a centre (d = 0) gets a float32 bound of about 2^-24 |x| at best, which no further centre can
//   lower and which ties with every other copy, so in a pool of copies every row would be compared with every
//   centre (70 s at 200,000 rows). A row at the top with a bound that low (the filter's zeroLevel) is made
//   exact at once instead; an exact 0 ends its search (bench/selection/copies.ts).
// Memory: O(N) for the bounds and the heap, plus the filter's float32 rows (the embeddings themselves when
// they were read into its memory, else a copy, distance-filter.ts); no N x N or N x k matrix.
import type { DistanceFilter } from './distance-filter';
import type { EmbeddingValues } from './embeddings-csv';

export interface GreedyProblem {
  data: EmbeddingValues;
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
  /**
   * The float32 kernel over these rows with room for every centre (createDistanceFilter), or null for
   * float64 distances only (same picks, slower).
   */
  filter: DistanceFilter | null;
}

export interface GreedyOutcome {
  picks: number[];
  /** d of each pick when picked; Infinity for a pick made with nothing selected. */
  pickDistances: number[];
  /** d of the best open candidate after the picks; 0 when none is open, null when nothing is selected. */
  maxMinDistance: number | null;
  stoppedBy?: 'minDistance' | 'candidatesExhausted';
}

/** How many centres a run can hold (at least 1): the preselected rows and the picks it can make. */
export function centreCapacity(problem: Pick<GreedyProblem, 'preselected' | 'candidates' | 'wanted'>): number {
  return Math.max(1, problem.preselected.length + Math.min(problem.wanted, problem.candidates.length));
}

export function kCenterGreedy(problem: GreedyProblem): GreedyOutcome {
  const { data, n, dim, candidates, preselected, factor, wanted, filter } = problem;
  const centres = new Int32Array(centreCapacity(problem));
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

  // Below this a float32 bound cannot tell a copy of a centre from a near-copy.
  const zeroLevel = filter ? filter.zeroLevel : 0;
  // bound(i) >= d(i) always: the least of (upper bounds of) its distances to centres it was compared with,
  // among them all of [0, seen(i)). exact(i): bound(i) is d(i) over those centres, exactly (always so
  // without the filter).
  const bound = new Float64Array(n).fill(Infinity);
  const seen = new Int32Array(n);
  const exact = new Uint8Array(n).fill(1);
  const valueOf = (i: number, d: number) => (factor ? d * factor[i] : d);

  /** Brings row i up to date against centres [seen(i), m), stopping once its value is below `limit`; returns its key. */
  const refresh = (i: number, limit: number) => {
    let u = bound[i];
    let c = seen[i];
    if (c === m) return valueOf(i, u);
    if (filter) {
      // The stop is only a shortcut (any stop leaves a valid upper bound), so its rounding does not matter.
      const w = factor ? factor[i] : 1;
      const stopBelow = w > 0 ? limit / w : limit > 0 ? Infinity : -Infinity;
      exact[i] = 0;
      u = filter.tightenUpperBound(i, c, m, u, stopBelow);
      c = filter.scanEnd();
    } else {
      while (c < m) {
        const d = exactDistance(i, centres[c]);
        c++;
        if (d < u) {
          u = d;
          if (u === 0) c = m; // nothing is nearer than a copy
          if (valueOf(i, u) < limit) break;
        }
      }
    }
    bound[i] = u;
    seen[i] = c;
    return valueOf(i, u);
  };

  /**
   * d(i) exactly, for a row up to date with an upper bound: the float32 filter rules out every centre
   * proven no nearer than the nearest found so far (at first: just above the bound, so that the nearest
   * centre is never ruled out), and the rest get exact distances.
   */
  const exactify = (i: number) => {
    const u = bound[i] * (1 + 1e-6) + Number.MIN_VALUE;
    let d = Infinity;
    for (let c = 0; c < m; c++) {
      if (filter) c = filter.firstCandidateCentre(i, c, m, Math.min(u, d));
      if (c === m) break;
      d = Math.min(d, exactDistance(i, centres[c]));
      if (d === 0) break;
    }
    bound[i] = d;
    exact[i] = 1;
    return valueOf(i, d);
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
  const heap = new Int32Array(open.length);
  const heapKey = new Float64Array(open.length);
  for (let j = 0; j < open.length; j++) {
    heap[j] = open[j];
    heapKey[j] = refresh(open[j], Infinity);
  }
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

  /** The open candidate of largest true value (lowest index on ties), up to date and exact. */
  const best = () => {
    for (;;) {
      const top = heap[0];
      if (seen[top] === m) {
        if (exact[top]) return top;
        heapKey[0] = exactify(top);
        siftDown(0);
        continue;
      }
      // Maybe a copy of a centre (float32 cannot tell): its exact distance settles it at once, so that a pool
      // of copies does not compare every row with every centre.
      if (bound[top] <= zeroLevel) {
        seen[top] = m;
        heapKey[0] = exactify(top);
        siftDown(0);
        continue;
      }
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
