// Active-learning scores of an image from its predicted boxes, as Lightly's ScorerObjectDetection defines
// them (lightly 1.1.8-1.2.0; see shared/reference/lightly.md), re-implemented here. A box carries its K
// class probabilities p when the detector has several classes (`probs`, from `<image>.probs`); a box of
// confidence s of a single-class detector has p = [s, 1 - s] (K = 2).
//   objectness_least_confidence  = 1 - mean(s)                          (0 without boxes)
//   uncertainty_least_confidence = max over boxes of (1 - max p) / (1 - 1/K)
//   uncertainty_margin           = max over boxes of 1 - (p1 - p2), p1 >= p2 the two largest
//   uncertainty_entropy          = max over boxes of -sum p log2 p / log2 K
//   object_frequency             = per class: 1 for the first box, 0.25 for each further one, summed;
//                                  then mapped linearly over the dataset from [min, max] to [0.9, 1.0]
//                                  (all 1.0 when every image has the same frequency)
// The three uncertainty scores also come as `_mean` and `_sum` over the image's boxes (0 without boxes):
// with a low inference threshold nearly every image has a box near s = 0.5, so the max saturates at 1.
import type { Box } from '../formats/kitti';

export const UNCERTAINTIES = ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'] as const;
export const SCORE_NAMES = [
  'objectness_least_confidence',
  ...UNCERTAINTIES.flatMap((u) => [u, `${u}_mean`, `${u}_sum`] as const),
  'object_frequency',
] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];
export type ImageScores = Record<ScoreName, number>;

function probabilities(box: Box): number[] {
  if (box.probs && box.probs.length >= 2) return box.probs;
  const s = Math.min(1, Math.max(0, box.score ?? 1));
  return [s, 1 - s];
}

// K = p.length: each score is normalised by its own number of classes.
const perBox: Record<(typeof UNCERTAINTIES)[number], (p: number[]) => number> = {
  uncertainty_least_confidence: (p) => (1 - Math.max(...p)) / (1 - 1 / p.length),
  uncertainty_margin: (p) => {
    const [p1, p2] = [...p].sort((a, b) => b - a);
    return 1 - (p1 - p2);
  },
  uncertainty_entropy: (p) => -p.reduce((sum, q) => sum + (q > 0 ? q * Math.log2(q) : 0), 0) / Math.log2(p.length),
};

/** Object frequency before the dataset-wide mapping. */
function rawFrequency(boxes: Box[]): number {
  const perClass = new Map<string, number>();
  for (const b of boxes) perClass.set(b.cls.toLowerCase(), (perClass.get(b.cls.toLowerCase()) ?? 0) + 1);
  let total = 0;
  for (const count of perClass.values()) total += 1 + 0.25 * (count - 1);
  return total;
}

/** One image's scores but `object_frequency`, which needs the whole dataset, and its raw object frequency. */
export function imageScores(boxes: Box[]): { scores: Omit<ImageScores, 'object_frequency'>; frequency: number } {
  const scores = {
    objectness_least_confidence: boxes.length ? 1 - boxes.reduce((a, b) => a + (b.score ?? 1), 0) / boxes.length : 0,
  } as Omit<ImageScores, 'object_frequency'>;
  for (const u of UNCERTAINTIES) {
    const values = boxes.map((b) => perBox[u](probabilities(b)));
    const sum = values.reduce((a, b) => a + b, 0);
    scores[u] = values.reduce((a, b) => Math.max(a, b), values.length ? -Infinity : 0);
    scores[`${u}_mean`] = values.length ? sum / values.length : 0;
    scores[`${u}_sum`] = sum;
  }
  return { scores, frequency: rawFrequency(boxes) };
}

/**
 * `object_frequency` of each image from every image's raw frequency f: 0.9 + 0.1 (f - lo) / (hi - lo) over
 * the dataset's range, 1 when all are equal. A loop, not Math.min(...f): a million arguments overflow the stack.
 */
export function objectFrequencies(raw: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < raw.length; i++) {
    lo = Math.min(lo, raw[i]);
    hi = Math.max(hi, raw[i]);
  }
  return Float64Array.from(raw, (f) => (hi > lo ? 0.9 + (0.1 * (f - lo)) / (hi - lo) : 1));
}

/** Scores of every image; `object_frequency` needs the whole dataset, hence one call for all images. */
export function detectionScores(predictions: Map<string, Box[]>): Map<string, ImageScores> {
  const names = [...predictions.keys()];
  const each = names.map((name) => imageScores(predictions.get(name)!));
  const frequency = objectFrequencies(each.map((e) => e.frequency));
  return new Map(names.map((name, i) => [name, { ...each[i].scores, object_frequency: frequency[i] }]));
}
