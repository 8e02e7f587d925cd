// One entry to the selection methods, shared by the loop's selectBatch activity and `pomona select`.
import type { SelectionMethod } from '../config/loop-config';
import { coralSelect } from './coral';
import { coresetSelect } from './coreset';
import type { Embeddings } from './embeddings-csv';
import { randomSelect } from './random';
import { uncertainCoresetSelect } from './uncertain-coreset';
import { typiclustSelect } from './typiclust';
import { uncertaintySelect } from './uncertainty';

/** Methods that weigh images by the last model's per-image score (its pool predictions). */
export const SCORED_METHODS: readonly SelectionMethod[] = ['CORAL', 'UNCERTAINTY', 'UNCERTAIN_CORESET'];
export const needsScores = (method: SelectionMethod): boolean => SCORED_METHODS.includes(method);

export interface SelectionRequest {
  method: SelectionMethod;
  embeddings: Embeddings;
  /** Rows already labelled. */
  preselected: number[];
  /** Rows that may be picked. */
  candidates: number[];
  count: number;
  /** RANDOM's seed, and TYPICLUST's k-means++ seed. */
  seed: number;
  /** CORESET/CORAL: stop when the farthest remaining candidate is closer than this. */
  minDistance?: number;
  /** Scored methods: one score per embedding row; CORAL also takes its exponent. */
  scores?: ArrayLike<number>;
  strength?: number;
}

/** The picked rows, in pick order. */
export function selectRows(r: SelectionRequest): number[] {
  const common = {
    preselected: r.preselected,
    candidates: r.candidates,
    batchSize: r.count,
    minDistance: r.minDistance,
  };
  if (r.method === 'RANDOM') return randomSelect(r.candidates, r.count, r.seed);
  if (r.method === 'CORESET') return coresetSelect(r.embeddings, common).picks;
  if (r.method === 'TYPICLUST')
    return typiclustSelect(r.embeddings, {
      preselected: r.preselected,
      candidates: r.candidates,
      count: r.count,
      seed: r.seed,
    });
  if (!r.scores) throw new Error(`${r.method} needs one score per embedding row`);
  if (r.method === 'UNCERTAINTY') return uncertaintySelect(r.candidates, r.scores, r.count);
  if (r.method === 'UNCERTAIN_CORESET')
    return uncertainCoresetSelect(r.embeddings, { ...common, scores: r.scores }).picks;
  return coralSelect(r.embeddings, { ...common, scores: r.scores, strength: r.strength }).picks;
}
