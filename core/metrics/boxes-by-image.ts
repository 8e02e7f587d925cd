// Ground truth or detections of a dataset, per image name, and the helpers both AP definitions share.
// Class names compare case-insensitively (TAO lowercases them too).
import type { Box } from '../formats/kitti';

/** Boxes per image name. */
export type BoxesByImage = Map<string, Box[]>;

/** Lowercased class names that occur in `boxes`, sorted. */
export function classesOf(boxes: BoxesByImage): string[] {
  const set = new Set<string>();
  for (const list of boxes.values()) for (const b of list) set.add(b.cls.toLowerCase());
  return [...set].sort();
}

/** The boxes of one (lowercased) class, in file order. */
export function ofClass(boxes: readonly Box[] | undefined, cls: string): Box[] {
  return (boxes ?? []).filter((b) => b.cls.toLowerCase() === cls);
}

/** Every image name of either map, sorted (code-unit order): the order detections are gathered in. */
export function imageNames(gt: BoxesByImage, preds: BoxesByImage): string[] {
  return [...new Set([...gt.keys(), ...preds.keys()])].sort();
}

export function countBoxes(boxes: BoxesByImage): number {
  let n = 0;
  for (const list of boxes.values()) n += list.length;
  return n;
}

/** A detection's score; a box without one counts as certain (1). */
export const scoreOf = (box: Box): number => box.score ?? 1;
