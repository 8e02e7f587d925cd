// CORESET: k-center greedy on Euclidean distance (Sener & Savarese 2018; Lightly's CORESET / DIVERSITY).
// Keeps, for every sample, its distance to the nearest selected one (O(N) memory, no N x N matrix) and
// repeatedly picks the sample farthest from the selected set:
//   pick_t = argmax_i min_{s in S} ||x_i - x_s||   (ties to the lowest index)
// With nothing preselected the first pick is index 0 (as Lightly's engine does).
import type { Embeddings } from './embeddings-csv';

export interface CoresetOptions {
  /** Already labelled rows: they seed the distances and are never picked. */
  preselected?: number[];
  /** Rows that may be picked (default: all rows not preselected). */
  candidates?: number[];
  batchSize: number;
  /** Stop early when the farthest remaining candidate is closer than this. */
  minDistance?: number;
}

export interface CoresetResult {
  picks: number[];
  /** Distance of the last pick to the set before it (the coverage radius reached). */
  lastDistance: number;
}

export function coresetSelect(e: Embeddings, options: CoresetOptions): CoresetResult {
  const n = e.filenames.length;
  const { dim, data } = e;
  const allowed = new Uint8Array(n);
  if (options.candidates) for (const i of options.candidates) allowed[i] = 1;
  else allowed.fill(1);
  for (const i of options.preselected ?? []) allowed[i] = 0;
  const minDist = new Float64Array(n).fill(Infinity);

  const absorb = (s: number) => {
    const off = s * dim;
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      const o = i * dim;
      for (let k = 0; k < dim; k++) {
        const diff = data[o + k] - data[off + k];
        d2 += diff * diff;
      }
      if (d2 < minDist[i]) minDist[i] = d2;
    }
  };
  for (const s of options.preselected ?? []) absorb(s);

  const picks: number[] = [];
  let lastDistance = Infinity;
  const limit = Math.min(options.batchSize, allowed.reduce((a, b) => a + b, 0));
  while (picks.length < limit) {
    let best = -1;
    if (picks.length === 0 && (options.preselected ?? []).length === 0) {
      best = allowed.indexOf(1);
    } else {
      let bestD = -1;
      for (let i = 0; i < n; i++) {
        if (allowed[i] && minDist[i] > bestD) {
          bestD = minDist[i];
          best = i;
        }
      }
      const distance = Math.sqrt(bestD);
      if (options.minDistance !== undefined && distance < options.minDistance) break;
      lastDistance = distance;
    }
    picks.push(best);
    allowed[best] = 0;
    absorb(best);
  }
  return { picks, lastDistance };
}
