// One entry to the selection methods, shared by the loop's selectBatch activity and `pomona select`.
import type { SelectionMethod } from '../config/loop-config';
import { coralSelect } from './coral';
import { coresetSelect } from './coreset';
import type { Embeddings } from './embeddings-csv';
import { randomSelect } from './random';

export interface SelectionRequest {
  method: SelectionMethod;
  embeddings: Embeddings;
  /** Rows already labelled. */
  preselected: number[];
  /** Rows that may be picked. */
  candidates: number[];
  count: number;
  /** RANDOM's seed. */
  seed: number;
  /** CORESET/CORAL: stop when the farthest remaining candidate is closer than this. */
  minDistance?: number;
  /** CORAL: one score per embedding row, and its exponent. */
  scores?: ArrayLike<number>;
  strength?: number;
}

/** The picked rows, in pick order. */
export function selectRows(r: SelectionRequest): number[] {
  const common = { preselected: r.preselected, candidates: r.candidates, batchSize: r.count, minDistance: r.minDistance };
  if (r.method === 'RANDOM') return randomSelect(r.candidates, r.count, r.seed);
  if (r.method === 'CORESET') return coresetSelect(r.embeddings, common).picks;
  if (!r.scores) throw new Error('CORAL needs one score per embedding row');
  return coralSelect(r.embeddings, { ...common, scores: r.scores, strength: r.strength }).picks;
}
