// mAP@0.5 as VOC all-point AP (the PASCAL VOC 2010+ devkit's definition), per class then averaged.
//
// For one class: gather the detections of all images and sort them by score, highest first. The sort is
// stable and detections are gathered in image-name order, then file order, so equal scores keep that
// order (the VOC devkit's unstable argsort leaves ties arbitrary). Walk the list: a detection is matched
// to the ground truth box of its image with the highest IoU (the first such box on equal IoU); it is a
// true positive when that IoU >= 0.5 and the box is not matched yet, else a false positive (so a
// duplicate of a found object counts against the detector). After detection k:
//   recall_k = TP_k / npos,  precision_k = TP_k / k          (npos = ground-truth boxes of the class)
// AP is the area under the precision envelope p~(r) = max_{r' >= r} precision(r'):
//   AP = sum_k (recall_k - recall_{k-1}) * p~(recall_k),   recall_0 = 0
// mAP averages AP over the classes that have ground truth; detections of other classes are ignored.
import type { Box } from '../formats/kitti';
import { classesOf, imageNames, ofClass, scoreOf, type BoxesByImage } from './boxes-by-image';
import { iou } from './iou';

export const VOC_IOU_THRESHOLD = 0.5;

/** All-point AP of one class; null when the class has no ground truth. */
export function vocApForClass(
  gt: BoxesByImage,
  preds: BoxesByImage,
  cls: string,
  iouThreshold = VOC_IOU_THRESHOLD,
): number | null {
  const images = imageNames(gt, preds);
  const gtBoxes = new Map(images.map((i) => [i, ofClass(gt.get(i), cls)]));
  let npos = 0;
  for (const b of gtBoxes.values()) npos += b.length;
  if (npos === 0) return null;

  const dets: { image: string; box: Box }[] = [];
  for (const image of images) for (const box of ofClass(preds.get(image), cls)) dets.push({ image, box });
  dets.sort((a, b) => scoreOf(b.box) - scoreOf(a.box));

  const matched = new Map(images.map((i) => [i, new Array<boolean>(gtBoxes.get(i)!.length).fill(false)]));
  let tp = 0;
  let ap = 0;
  let previousRecall = 0;
  const recall: number[] = [];
  const precision: number[] = [];
  dets.forEach((d, k) => {
    const candidates = gtBoxes.get(d.image)!;
    let best = -1;
    let bestIou = 0;
    for (let j = 0; j < candidates.length; j++) {
      const o = iou(d.box, candidates[j]);
      if (o > bestIou) {
        bestIou = o;
        best = j;
      }
    }
    if (best >= 0 && bestIou >= iouThreshold && !matched.get(d.image)![best]) {
      matched.get(d.image)![best] = true;
      tp++;
    }
    recall.push(tp / npos);
    precision.push(tp / (k + 1));
  });
  // Envelope from the right, then sum rectangles where recall rises.
  for (let k = precision.length - 2; k >= 0; k--) precision[k] = Math.max(precision[k], precision[k + 1]);
  for (let k = 0; k < recall.length; k++) {
    if (recall[k] !== previousRecall) ap += (recall[k] - previousRecall) * precision[k];
    previousRecall = recall[k];
  }
  return ap;
}

/** AP per class that has ground truth (lowercased names). */
export function vocApPerClass(
  gt: BoxesByImage,
  preds: BoxesByImage,
  iouThreshold = VOC_IOU_THRESHOLD,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const cls of classesOf(gt)) out.set(cls, vocApForClass(gt, preds, cls, iouThreshold)!);
  return out;
}

/** mAP@0.5: VOC all-point AP averaged over the classes that have ground truth (0 when none has). */
export function vocAp50(gt: BoxesByImage, preds: BoxesByImage): number {
  const aps = [...vocApPerClass(gt, preds).values()];
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : 0;
}
