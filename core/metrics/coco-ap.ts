// COCO box AP as pycocotools computes it (COCOeval, iouType "bbox", area range "all", no crowd regions),
// with maxDets per image raised from 100 to 1000 by default because MinneApple has up to ~120 apples
// per image. Reproduces COCOeval's precision array eval['precision'][:, :, k, 0, m]:
// - per image and class: detections sorted by score (stable), cut to maxDets;
// - IoU as pycocotools' maskApi computes it on [x, y, w, h] boxes, w = x2 - x1 (no +1):
//     iw = min(x + w, gx + gw) - max(x, gx), likewise ih; IoU = iw*ih / (w*h + gw*gh - iw*ih)
//   (x + w can differ from x2 in the last bit; doing the same keeps threshold ties identical);
// - at each IoU threshold t in .50:.05:.95 (numpy.linspace's values) each detection in score order
//   takes, among ground truth not yet matched at t, the one of highest IoU >= t (the last such box on
//   equal IoU, as COCOeval's `<` comparison does); unmatched detections are false positives;
// - per class, detections of all images (in image-name order) sorted by score (stable):
//     recall_k = TP_k / npos,  precision_k = TP_k / (TP_k + FP_k + eps),  eps = numpy.spacing(1)
//   precision made non-increasing from the right, then read at the 101 recall points 0:.01:1 as the
//   precision at the first k with recall_k >= r (0 when recall never reaches r);
// - AP = mean over IoU thresholds, recall points and classes that have ground truth.
import type { Box } from '../formats/kitti';
import { classesOf, imageNames, ofClass, scoreOf, type BoxesByImage } from './boxes-by-image';

/** numpy.linspace to the last bit: start + i * step, the end point exact. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const COCO_IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
export const COCO_RECALL_POINTS: readonly number[] = linspace(0, 1, 101);
/** numpy.spacing(1), which pycocotools adds to precision's denominator. */
const EPS = 2.220446049250313e-16;

export const DEFAULT_MAX_DETS = 1000;

export interface CocoOptions {
  /** Detections kept per image and class, highest scores first (pycocotools' default is 100). */
  maxDets?: number;
}

export interface CocoResult {
  /** AP over IoU .50:.05:.95 (COCO's "AP"). */
  ap: number;
  /** AP at IoU .50 with COCO's 101-point interpolation ("AP50"; not the same as VOC all-point AP). */
  ap50: number;
  /** AP at IoU .75 ("AP75"). */
  ap75: number;
}

/** IoU the way pycocotools' bbIou computes it from [x, y, w, h]. */
function cocoIou(d: Box, g: Box): number {
  const dw = d.x2 - d.x1;
  const dh = d.y2 - d.y1;
  const gw = g.x2 - g.x1;
  const gh = g.y2 - g.y1;
  const iw = Math.min(d.x1 + dw, g.x1 + gw) - Math.max(d.x1, g.x1);
  if (iw <= 0) return 0;
  const ih = Math.min(d.y1 + dh, g.y1 + gh) - Math.max(d.y1, g.y1);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (dw * dh + gw * gh - inter);
}

/** Precision at the 101 recall points of one class at one IoU threshold. */
function interpolatedPrecision(matched: boolean[], order: number[], npos: number): number[] {
  const rc: number[] = [];
  const pr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const i of order) {
    if (matched[i]) tp++;
    else fp++;
    rc.push(tp / npos);
    pr.push(tp / (tp + fp + EPS));
  }
  for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  // np.searchsorted(rc, r, side='left'): the first index with rc >= r.
  const out: number[] = [];
  let k = 0;
  for (const r of COCO_RECALL_POINTS) {
    while (k < rc.length && rc[k] < r) k++;
    out.push(k < rc.length ? pr[k] : 0);
  }
  return out;
}

export function cocoAp(gt: BoxesByImage, preds: BoxesByImage, options: CocoOptions = {}): CocoResult {
  const maxDets = options.maxDets ?? DEFAULT_MAX_DETS;
  if (!Number.isInteger(maxDets) || maxDets < 1)
    throw new RangeError(`maxDets must be a positive integer, not ${maxDets}`);
  const images = imageNames(gt, preds);
  // Precision values per IoU threshold, over recall points and classes.
  const perThreshold: number[][] = COCO_IOU_THRESHOLDS.map(() => []);
  for (const cls of classesOf(gt)) {
    let npos = 0;
    const scores: number[] = [];
    const matchedAt: boolean[][] = COCO_IOU_THRESHOLDS.map(() => []);
    for (const image of images) {
      const g = ofClass(gt.get(image), cls);
      npos += g.length;
      const d = ofClass(preds.get(image), cls)
        .sort((a, b) => scoreOf(b) - scoreOf(a))
        .slice(0, maxDets);
      const ious = d.map((det) => g.map((gg) => cocoIou(det, gg)));
      COCO_IOU_THRESHOLDS.forEach((t, ti) => {
        const taken = new Array<boolean>(g.length).fill(false);
        for (let di = 0; di < d.length; di++) {
          let best = Math.min(t, 1 - 1e-10);
          let m = -1;
          for (let gi = 0; gi < g.length; gi++) {
            if (taken[gi] || ious[di][gi] < best) continue;
            best = ious[di][gi];
            m = gi;
          }
          if (m >= 0) taken[m] = true;
          matchedAt[ti].push(m >= 0);
        }
      });
      for (const det of d) scores.push(scoreOf(det));
    }
    if (npos === 0) continue;
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
    COCO_IOU_THRESHOLDS.forEach((_, ti) => perThreshold[ti].push(...interpolatedPrecision(matchedAt[ti], order, npos)));
  }
  const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
  return { ap: mean(perThreshold.flat()), ap50: mean(perThreshold[0]), ap75: mean(perThreshold[5]) };
}
