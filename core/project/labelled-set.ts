// The labelled set after a round (rounds/<n>/labelled.json): every image people have labelled so far and
// where its labels are. Written once per round, so a retried import never duplicates an entry.
import { z } from 'zod';

export const labelledImage = z.looseObject({
  name: z.string(),
  image: z.string(),
  labels: z.string(),
  round: z.number().int().nonnegative(),
});

export const labelledSet = z.looseObject({
  round: z.number().int().nonnegative(),
  /** Boxes per class (lowercase) over every image of the set; absent in sets written before it was counted. */
  boxesByClass: z.record(z.string(), z.number().int().nonnegative()).optional(),
  images: z.array(labelledImage),
});

export type LabelledImage = z.infer<typeof labelledImage>;
export type LabelledSet = z.infer<typeof labelledSet>;
