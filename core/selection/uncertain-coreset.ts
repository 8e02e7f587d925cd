// UNCERTAIN_CORESET: uncertainty first, diversity among the uncertain (two stages, as PPAL does for
// detection, Yang et al. 2022):
//   U     = the ceil(SHORTLIST_FACTOR * count) candidates with the highest score (uncertainty.ts's order)
//   picks = CORESET's k-center greedy over U, the labelled rows preselected (coreset.ts)
// The shortlist keeps CORESET off confident images; k-center inside it keeps a batch from being
// `count` near-copies of one hard frame, which plain UNCERTAINTY picks on a video-like pool.
import { coresetSelect, type CoresetResult } from './coreset';
import type { Embeddings } from './embeddings-csv';
import { rankByScore } from './uncertainty';

export const SHORTLIST_FACTOR = 4;

export interface UncertainCoresetOptions {
  preselected: readonly number[];
  candidates: readonly number[];
  batchSize: number;
  scores: ArrayLike<number>;
  minDistance?: number;
}

export function uncertainCoresetSelect(e: Embeddings, o: UncertainCoresetOptions): CoresetResult {
  const shortlist = rankByScore(o.candidates, o.scores).slice(0, Math.ceil(SHORTLIST_FACTOR * o.batchSize));
  return coresetSelect(e, {
    preselected: o.preselected,
    candidates: shortlist,
    batchSize: o.batchSize,
    minDistance: o.minDistance,
  });
}
