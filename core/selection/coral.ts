// CORAL: diversity x active-learning scores (Lightly's CORAL; in the Worker, a DIVERSITY strategy on
// embeddings combined with a WEIGHTS strategy on a prediction score). Greedy, one pick at a time:
//   pick = argmax over remaining candidates of (d(i) / max d) * score(i)^strength
// where d(i) is the Euclidean distance to the nearest selected (preselected or picked) row. Scores must be
// finite and >= 0; a candidate with score 0 is picked only when every remaining objective is 0 (then the
// lowest index). Sizes, preselection and the minDistance stop work as for CORESET (coreset.ts).
import { greedySelect, type CoresetOptions, type CoresetResult } from './coreset';
import type { Embeddings } from './embeddings-csv';

export type CoralOptions = CoresetOptions & {
  /** One score per embedding row. */
  scores: ArrayLike<number>;
  /** Exponent of the score term (Lightly's strategy strength); default 1. */
  strength?: number;
};

export function coralSelect(e: Embeddings, options: CoralOptions): CoresetResult {
  const n = e.filenames.length;
  if (options.scores.length !== n) throw new RangeError(`coral: ${options.scores.length} scores for ${n} embeddings`);
  for (let i = 0; i < n; i++) {
    const s = options.scores[i];
    if (!Number.isFinite(s) || s < 0)
      throw new RangeError(`coral: score of ${e.filenames[i]} is ${s}; scores must be finite and >= 0`);
  }
  const strength = options.strength ?? 1;
  if (!Number.isFinite(strength) || strength < 0)
    throw new RangeError(`coral: strength ${strength} must be finite and >= 0`);
  return greedySelect(e, options, { weights: options.scores, strength });
}
