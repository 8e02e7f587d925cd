// CORESET: k-center greedy on Euclidean distance (Sener & Savarese 2018; Lightly's CORESET / DIVERSITY).
// Repeatedly picks the candidate farthest from the selected set S (k-center-greedy.ts computes it lazily,
// with exactly these picks; O(N) memory, no N x N matrix):
//   d(i) = min_{s in S} ||x_i - x_s||_2   (float64, summed over dimensions in order, then sqrt)
//   pick = argmax over remaining candidates of d(i), ties to the LOWEST index
// S starts as the preselected (already labelled) rows. With nothing preselected, d is +infinity
// everywhere and the first pick is the lowest candidate index (index 0 when every row is a candidate),
// as Lightly's engine does.
// minDistance is a stopping condition: stop before a pick whose d is below it (the rest is covered).
//
// With weights (CORAL, see coral.ts) the pick maximises Lightly's product rule instead:
//   pick = argmax over remaining candidates of (d(i) / max d) * w(i)^strength
// Dividing by max d (so the diversity objective peaks at 1) changes no argmax, so it is left out; with
// nothing selected every d is infinite, the diversity term is 1 everywhere and the highest weight wins.
import type { Embeddings } from './embeddings-csv';
import { createDistanceFilter } from './distance-filter';
import { centreCapacity, kCenterGreedy } from './k-center-greedy';
import { firstNonFiniteRow } from './non-finite-rows';

interface CoresetCommon {
  /** Already labelled rows: they seed the distances and are never picked. */
  preselected?: readonly number[];
  /** Rows that may be picked (default: every row not preselected). */
  candidates?: readonly number[];
  /** Stop early when the farthest remaining candidate is closer than this to the selected set. */
  minDistance?: number;
}

/** How many to pick: `batchSize` new rows, or `nTotal` = labelled count after the query (Lightly's n_samples). */
export type CoresetOptions = CoresetCommon &
  ({ batchSize: number; nTotal?: undefined } | { nTotal: number; batchSize?: undefined });

export interface CoresetResult {
  /** New picks, in pick order. */
  picks: number[];
  /** d of each pick when it was picked; null for a first pick made with nothing selected (infinite d). */
  pickDistances: (number | null)[];
  /** The largest d over the candidates left after the picks: the coverage radius reached. 0 when none
   *  is left; null when nothing is selected at all. */
  maxMinDistance: number | null;
  /** Why picking ended early, if it did. */
  stoppedBy?: 'minDistance' | 'candidatesExhausted';
}

function checkIndices(name: string, indices: readonly number[], n: number): void {
  for (const i of indices)
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new RangeError(`coreset: ${name} index ${i} is not a row of the ${n} embeddings`);
}

/** Per-row weights raised to a strength; internal to coreset and coral. */
export interface GreedyWeights {
  weights: ArrayLike<number>;
  strength: number;
}

export function coresetSelect(e: Embeddings, options: CoresetOptions): CoresetResult {
  return greedySelect(e, options);
}

export function greedySelect(
  e: Embeddings,
  options: CoresetOptions,
  weighting?: GreedyWeights,
  kernel: 'auto' | 'exact' = 'auto',
): CoresetResult {
  const n = e.filenames.length;
  const { dim, data } = e;
  if (data.length !== n * dim) throw new RangeError(`coreset: ${data.length} values for ${n} rows of ${dim}`);
  const preselected = [...new Set(options.preselected ?? [])];
  checkIndices('preselected', preselected, n);
  const size = options.batchSize ?? options.nTotal - preselected.length;
  if (!Number.isFinite(size)) throw new RangeError('coreset: give batchSize or nTotal');
  const wanted = Math.max(0, Math.floor(size));

  const open = new Uint8Array(n);
  if (options.candidates) {
    checkIndices('candidate', options.candidates, n);
    for (const i of options.candidates) open[i] = 1;
  } else open.fill(1);
  for (const i of preselected) open[i] = 0;
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (open[i]) candidates.push(i);

  // The float32 kernel's pass over the rows proves them finite; without it (kernel 'exact': tests and
  // benchmarks; or not usable for these rows) a pass here does.
  const filter =
    kernel === 'auto' ? createDistanceFilter(data, n, dim, centreCapacity({ preselected, candidates, wanted })) : null;
  if (!filter) {
    const bad = firstNonFiniteRow(data, n, dim);
    if (bad >= 0)
      throw new RangeError(`coreset: embedding ${bad} (${e.filenames[bad]}) has a value that is not a finite number`);
  }

  const factor = weighting
    ? Float64Array.from({ length: n }, (_, i) => Math.pow(weighting.weights[i], weighting.strength))
    : null;
  const outcome = kCenterGreedy({
    data,
    n,
    dim,
    candidates,
    preselected,
    factor,
    wanted,
    minDistance: options.minDistance,
    filter,
  });
  const result: CoresetResult = {
    picks: outcome.picks,
    pickDistances: outcome.pickDistances.map((d) => (d === Infinity ? null : d)),
    maxMinDistance: outcome.maxMinDistance,
  };
  return outcome.stoppedBy ? { ...result, stoppedBy: outcome.stoppedBy } : result;
}
