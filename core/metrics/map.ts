// Scores a folder of KITTI predictions against a folder of KITTI ground truth: mAP@0.5 (VOC all-point,
// voc-ap.ts) and COCO AP (coco-ap.ts). Conventions: docs/metrics.md.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseKitti, type KittiKind } from '../formats/kitti';
import { formatProblem } from '../formats/problem';
import { countBoxes, type BoxesByImage } from './boxes-by-image';
import { cocoAp, type CocoOptions } from './coco-ap';
import { vocAp50 } from './voc-ap';

export type { BoxesByImage } from './boxes-by-image';
export { cocoAp, COCO_IOU_THRESHOLDS, type CocoOptions, type CocoResult } from './coco-ap';
export { vocAp50, vocApPerClass } from './voc-ap';

export interface FolderEvaluation {
  /** VOC all-point AP at IoU 0.5, averaged over classes with ground truth. */
  map50: number;
  /** COCO AP, IoU .50:.05:.95, maxDets 1000. */
  coco_ap: number;
  /** COCO AP at IoU .50 (101-point interpolation). */
  coco_ap50: number;
  images: number;
  gt_boxes: number;
  detections: number;
}

async function isMissing(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null)) === null;
}

/**
 * Reads `<name>.txt` for each name (every .txt of `dir` when names are not given). A malformed line
 * throws with every `file:line` (ground truth and predictions are pomona's own output by now, so a bad
 * line is a bug to see, not data to skip). A missing file is an error, or no boxes when `missingIsEmpty`.
 */
async function readKittiFolder(dir: string, kind: KittiKind, names: readonly string[] | undefined, missingIsEmpty: boolean): Promise<BoxesByImage> {
  if (await isMissing(dir)) throw new Error(`${dir}: no such folder`);
  const wanted = names ?? (await fs.readdir(dir)).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -'.txt'.length)).sort();
  const out: BoxesByImage = new Map();
  const problems: string[] = [];
  for (const name of wanted) {
    const file = path.join(dir, `${name}.txt`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !missingIsEmpty) throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
      text = '';
    }
    const parsed = parseKitti(text, file, kind);
    problems.push(...parsed.problems.map(formatProblem));
    out.set(name, parsed.boxes);
  }
  if (problems.length) throw new Error(`${problems.length} malformed KITTI line(s):\n${problems.slice(0, 20).join('\n')}`);
  return out;
}

/**
 * Scores predictions (16 fields, score last) against ground truth (15 fields; 16 tolerated, score
 * ignored) over `imageNames`, or over every ground-truth file when not given. A prediction file missing
 * for an image means no detections; predictions for other images are not read.
 */
export async function evaluateFolders(gtLabelsDir: string, predDir: string, imageNames?: readonly string[], options: CocoOptions = {}): Promise<FolderEvaluation> {
  const gt = await readKittiFolder(gtLabelsDir, 'either', imageNames, false);
  const preds = await readKittiFolder(predDir, 'prediction', [...gt.keys()], true);
  const coco = cocoAp(gt, preds, options);
  return { map50: vocAp50(gt, preds), coco_ap: coco.ap, coco_ap50: coco.ap50, images: gt.size, gt_boxes: countBoxes(gt), detections: countBoxes(preds) };
}
