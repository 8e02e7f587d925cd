// Detection metrics over a dataset: mAP@0.5 (VOC all-point AP) and COCO AP (IoU .50:.05:.95).
// Images are taken in name order, and detections of equal score keep that order (a stable sort), as
// pycocotools does, so results are reproducible to the last digit.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseKitti, type Box } from '../formats/kitti';
import { iou } from './iou';

/** Boxes per image name. Class names compare case-insensitively (TAO lowercases them too). */
export type BoxesByImage = Map<string, Box[]>;

interface Detection {
  image: string;
  index: number;
  score: number;
}

function classesOf(gt: BoxesByImage): string[] {
  const set = new Set<string>();
  for (const boxes of gt.values()) for (const b of boxes) set.add(b.cls.toLowerCase());
  return [...set].sort();
}

function ofClass(boxes: Box[] | undefined, cls: string): Box[] {
  return (boxes ?? []).filter((b) => b.cls.toLowerCase() === cls);
}

function sortedImages(gt: BoxesByImage, preds: BoxesByImage): string[] {
  return [...new Set([...gt.keys(), ...preds.keys()])].sort();
}

/**
 * VOC all-point AP at IoU >= 0.5 for one class: detections of all images sorted by score; each is matched
 * to its highest-IoU ground truth in its image, and is a true positive only if that ground truth is not
 * matched yet. AP = area under the precision envelope (precision made monotone from the right) over recall.
 */
function vocApForClass(gt: BoxesByImage, preds: BoxesByImage, cls: string, images: string[]): number | null {
  const gtBoxes = new Map(images.map((i) => [i, ofClass(gt.get(i), cls)]));
  const npos = [...gtBoxes.values()].reduce((n, b) => n + b.length, 0);
  if (npos === 0) return null;
  const dets: (Detection & { box: Box })[] = [];
  for (const image of images) ofClass(preds.get(image), cls).forEach((box, index) => dets.push({ image, index, score: box.score ?? 1, box }));
  dets.sort((a, b) => b.score - a.score);
  const matched = new Map(images.map((i) => [i, new Array<boolean>(gtBoxes.get(i)!.length).fill(false)]));
  const tp: number[] = [];
  for (const d of dets) {
    const candidates = gtBoxes.get(d.image)!;
    let best = -1;
    let bestIou = 0;
    candidates.forEach((g, j) => {
      const o = iou(d.box, g);
      if (o > bestIou) {
        bestIou = o;
        best = j;
      }
    });
    const hit = best >= 0 && bestIou >= 0.5 && !matched.get(d.image)![best];
    if (hit) matched.get(d.image)![best] = true;
    tp.push(hit ? 1 : 0);
  }
  // Recall/precision after each detection, then the all-point area under the precision envelope.
  const recall: number[] = [];
  const precision: number[] = [];
  let ctp = 0;
  tp.forEach((t, k) => {
    ctp += t;
    recall.push(ctp / npos);
    precision.push(ctp / (k + 1));
  });
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

/** mAP@0.5: VOC all-point AP averaged over the classes that have ground truth (0 when none has). */
export function vocMap50(gt: BoxesByImage, preds: BoxesByImage): number {
  const images = sortedImages(gt, preds);
  const aps = classesOf(gt).map((c) => vocApForClass(gt, preds, c, images)).filter((a): a is number => a !== null);
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : 0;
}

/** numpy.linspace to the last bit (i * step + start, the end point exact): thresholds compare with `<`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const COCO_IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
const RECALL_THRESHOLDS = linspace(0, 1, 101);
/** numpy's np.spacing(1), which pycocotools adds to precision's denominator. */
const EPS = 2.220446049250313e-16;

/**
 * COCO AP as pycocotools computes it (area range "all", no crowd regions): per image, detections sorted
 * by score and cut to `maxDets`; at each IoU threshold t each detection takes the unmatched ground truth
 * of highest IoU >= t; precision is made monotone and read at 101 recall points; AP is the mean over
 * thresholds, recall points and classes. `maxDets` defaults to 1000 because MinneApple has up to ~120
 * apples per image (pycocotools' default of 100 would cut real detections).
 * Returns { ap, ap50 } (ap50: the same at IoU 0.5 alone, COCO's "AP50").
 */
export function cocoAp(gt: BoxesByImage, preds: BoxesByImage, maxDets = 1000): { ap: number; ap50: number } {
  const images = sortedImages(gt, preds);
  const perThreshold: number[][] = COCO_IOU_THRESHOLDS.map(() => []);
  for (const cls of classesOf(gt)) {
    let npig = 0;
    const scores: number[] = [];
    const matchedAt: boolean[][] = COCO_IOU_THRESHOLDS.map(() => []);
    for (const image of images) {
      const g = ofClass(gt.get(image), cls);
      npig += g.length;
      const d = ofClass(preds.get(image), cls)
        .map((box, index) => ({ box, index, score: box.score ?? 1 }))
        .sort((a, b) => b.score - a.score)
        .slice(0, maxDets);
      const ious = d.map((det) => g.map((gg) => iou(det.box, gg)));
      COCO_IOU_THRESHOLDS.forEach((t, ti) => {
        const gtTaken = new Array<boolean>(g.length).fill(false);
        for (let di = 0; di < d.length; di++) {
          let best = Math.min(t, 1 - 1e-10);
          let m = -1;
          for (let gi = 0; gi < g.length; gi++) {
            if (gtTaken[gi] || ious[di][gi] < best) continue;
            best = ious[di][gi];
            m = gi;
          }
          if (m >= 0) gtTaken[m] = true;
          matchedAt[ti].push(m >= 0);
        }
      });
      for (const det of d) scores.push(det.score);
    }
    if (npig === 0) continue;
    const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
    COCO_IOU_THRESHOLDS.forEach((_, ti) => {
      const rc: number[] = [];
      const pr: number[] = [];
      let tp = 0;
      let fp = 0;
      for (const i of order) {
        if (matchedAt[ti][i]) tp++;
        else fp++;
        rc.push(tp / npig);
        pr.push(tp / (tp + fp + EPS));
      }
      for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      // For each recall threshold, the precision at the first recall >= it (np.searchsorted, side left).
      let pi = 0;
      for (const r of RECALL_THRESHOLDS) {
        while (pi < rc.length && rc[pi] < r) pi++;
        perThreshold[ti].push(pi < rc.length ? pr[pi] : 0);
      }
    });
  }
  const all = perThreshold.flat();
  if (all.length === 0) return { ap: 0, ap50: 0 };
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return { ap: mean(all), ap50: mean(perThreshold[0]) };
}

export interface FolderEvaluation {
  map50: number;
  coco_ap: number;
  coco_ap50: number;
  images: number;
  gt_boxes: number;
  detections: number;
}

async function readKittiFolder(dir: string, names?: string[]): Promise<BoxesByImage> {
  const files = names ? names.map((n) => `${n}.txt`) : (await fs.readdir(dir)).filter((f) => f.endsWith('.txt'));
  const out: BoxesByImage = new Map();
  for (const f of files) {
    const file = path.join(dir, f);
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && names) return '';
      throw err;
    });
    const parsed = parseKitti(text, file);
    if (parsed.problems.length) throw new Error(parsed.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    out.set(f.slice(0, -4), parsed.boxes);
  }
  return out;
}

/** Scores a folder of KITTI predictions against a folder of KITTI ground truth (all GT images count). */
export async function evaluateFolders(gtDir: string, predDir: string): Promise<FolderEvaluation> {
  const gt = await readKittiFolder(gtDir);
  const preds = await readKittiFolder(predDir, [...gt.keys()]);
  const coco = cocoAp(gt, preds);
  const count = (m: BoxesByImage) => [...m.values()].reduce((n, b) => n + b.length, 0);
  return { map50: vocMap50(gt, preds), coco_ap: coco.ap, coco_ap50: coco.ap50, images: gt.size, gt_boxes: count(gt), detections: count(preds) };
}
