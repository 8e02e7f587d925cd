// A round's evaluation (rounds/<n>/metrics.json): pomona's mAP of the round's model on the validation split
// (core/metrics/map.ts, FolderEvaluation) and, with the TAO backend, TAO's own printed numbers beside it.
import { z } from 'zod';

export const metricsFile = z.looseObject({
  round: z.number().int().nonnegative(),
  labelled: z.number().int().nonnegative(),
  map50: z.number(),
  coco_ap: z.number(),
  /** Per class; absent in files written before several classes. */
  ap50_by_class: z.record(z.string(), z.number()).optional(),
});

export type MetricsFile = z.infer<typeof metricsFile>;
