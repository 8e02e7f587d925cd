// A round's selection (rounds/<n>/selection.json): the images chosen for labelling, in pick order.
import { z } from 'zod';
import { selectionMethod } from '../config/loop-config';

export const selectionFile = z.looseObject({
  /** 0 for the validation batch people label first, when the dataset has no validation set. */
  round: z.number().int().nonnegative(),
  method: selectionMethod,
  /** The per-image score of CORAL and the uncertainty methods. */
  score: z.string().optional(),
  labelledBefore: z.number().int().nonnegative(),
  /** With `selection.deduplicate`: the distance, and how many of the pool's images LightlyStudio kept. */
  deduplicated: z.object({ minDistance: z.number(), kept: z.number().int().nonnegative() }).optional(),
  images: z.array(z.string()),
});

export type SelectionFile = z.infer<typeof selectionFile>;
