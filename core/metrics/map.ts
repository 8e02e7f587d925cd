// Scores a folder of KITTI predictions against a folder of KITTI ground truth: mAP@0.5 (VOC all-point,
// voc-ap.ts) and COCO AP (coco-ap.ts). Conventions: docs/metrics.md.
import { readKittiFolder } from '../formats/kitti-folder';
import { countBoxes } from './boxes-by-image';
import { cocoAp, type CocoOptions } from './coco-ap';
import { vocAp50, vocApPerClass } from './voc-ap';

export type { BoxesByImage } from './boxes-by-image';
export { cocoAp, COCO_IOU_THRESHOLDS, type CocoOptions, type CocoResult } from './coco-ap';
export { vocAp50, vocApPerClass } from './voc-ap';

export interface FolderEvaluation {
  /** VOC all-point AP at IoU 0.5, averaged over classes with ground truth. */
  map50: number;
  /** VOC all-point AP at IoU 0.5 of each class with ground truth (lowercase names). */
  ap50_by_class: Record<string, number>;
  /** Ground-truth boxes of each class. */
  gt_boxes_by_class: Record<string, number>;
  /** COCO AP, IoU .50:.05:.95, maxDets 1000. */
  coco_ap: number;
  /** COCO AP at IoU .50 (101-point interpolation). */
  coco_ap50: number;
  images: number;
  gt_boxes: number;
  detections: number;
}

/**
 * Scores predictions (16 fields, score last) against ground truth (15 fields; 16 tolerated, score
 * ignored) over `imageNames`, or over every ground-truth file when not given. A prediction file missing
 * for an image means no detections; predictions for other images are not read.
 */
export async function evaluateFolders(
  gtLabelsDir: string,
  predDir: string,
  imageNames?: readonly string[],
  options: CocoOptions = {},
): Promise<FolderEvaluation> {
  const gt = await readKittiFolder(gtLabelsDir, 'either', imageNames, false);
  const preds = await readKittiFolder(predDir, 'prediction', [...gt.keys()], true);
  const coco = cocoAp(gt, preds, options);
  const byClass = vocApPerClass(gt, preds);
  const gtByClass: Record<string, number> = {};
  for (const boxes of gt.values()) for (const b of boxes) gtByClass[b.cls] = (gtByClass[b.cls] ?? 0) + 1;
  return {
    map50: vocAp50(gt, preds),
    ap50_by_class: Object.fromEntries([...byClass].sort(([a], [b]) => a.localeCompare(b))),
    gt_boxes_by_class: gtByClass,
    coco_ap: coco.ap,
    coco_ap50: coco.ap50,
    images: gt.size,
    gt_boxes: countBoxes(gt),
    detections: countBoxes(preds),
  };
}
