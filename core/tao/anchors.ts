// YOLOv4 anchors from labelled boxes, as `yolo_v4 kmeans` computes them: every box's width and height
// scaled to the network input (w * netW / imageW, h * netH / imageH), clustered into 9 by k-means with
// the distance d = 1 - IoU(box, centre) (both boxes anchored at the origin, so IoU depends on sizes
// only), each centre updated to the per-axis median of its boxes, until assignments stop changing.
// The 9 centres are sorted by area: the first 3 are the small anchors, then mid, then big.
// One departure: centres start by k-means++ seeding (each next start drawn with probability ~ d^2 to the
// nearest start) rather than k distinct random boxes, which often leaves two centres in one cluster
// and another cluster without its own (with random starts, about 1 seed in 10 found all 9 clusters of
// the test's synthetic sizes).
import { mulberry32 } from '../selection/random';
import type { AnchorSet, AnchorTriple } from './settings';

export type Size = [width: number, height: number];

/** IoU of two boxes sharing a corner: overlap = min(w) * min(h). */
export function sizeIou(a: Size, b: Size): number {
  const inter = Math.min(a[0], b[0]) * Math.min(a[1], b[1]);
  return inter / (a[0] * a[1] + b[0] * b[1] - inter);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** k-means++ starts: the first box at random, each next one with probability ~ (1 - IoU to the nearest)^2. */
function seedCentres(boxes: readonly Size[], k: number, random: () => number): Size[] {
  const centres: Size[] = [[...boxes[Math.floor(random() * boxes.length)]] as Size];
  while (centres.length < k) {
    const weights = boxes.map((box) => Math.min(...centres.map((c) => 1 - sizeIou(box, c))) ** 2);
    const total = weights.reduce((a, b) => a + b, 0);
    // All boxes coincide with a start: any box will do.
    let pick = total > 0 ? random() * total : 0;
    let index = 0;
    while (index < boxes.length - 1 && pick >= weights[index]) pick -= weights[index++];
    centres.push([...boxes[index]] as Size);
  }
  return centres;
}

/** k centres (unsorted), from seeded k-means++ starts. */
export function kmeansSizes(boxes: readonly Size[], k: number, seed: number, maxIterations = 1000): Size[] {
  if (boxes.length < k) throw new Error(`k-means anchors: ${boxes.length} box(es), at least ${k} needed`);
  let centres = seedCentres(boxes, k, mulberry32(seed));
  let last: number[] = [];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const nearest = boxes.map((box) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (1 - sizeIou(box, centres[c]) < 1 - sizeIou(box, centres[best])) best = c;
      return best;
    });
    if (nearest.every((c, i) => c === last[i])) break;
    centres = centres.map((centre, c) => {
      const members = boxes.filter((_, i) => nearest[i] === c);
      // An empty cluster keeps its centre, as numpy's median of nothing would poison it with NaN.
      return members.length ? [median(members.map((b) => b[0])), median(members.map((b) => b[1]))] : centre;
    });
    last = nearest;
  }
  return centres;
}

/** Mean IoU of each box with its nearest centre: the fit k-means restarts are compared by. */
export function meanBestIou(boxes: readonly Size[], centres: readonly Size[]): number {
  return boxes.reduce((sum, box) => sum + Math.max(...centres.map((c) => sizeIou(box, c))), 0) / boxes.length;
}

/**
 * The 9 anchors as TAO's spec wants them: sorted by area into small, mid and big triples. The best of
 * `restarts` seeded runs (highest mean IoU) is kept, so one unlucky start does not decide the anchors.
 */
export function kmeansAnchors(boxes: readonly Size[], seed: number, restarts = 10): AnchorSet {
  let best: Size[] = [];
  let bestFit = -1;
  for (let r = 0; r < restarts; r++) {
    const centres = kmeansSizes(boxes, 9, seed * restarts + r);
    const fit = meanBestIou(boxes, centres);
    if (fit > bestFit) [best, bestFit] = [centres, fit];
  }
  const sorted = best.sort((a, b) => a[0] * a[1] - b[0] * b[1]);
  const round = (s: Size): [number, number] => [Number(s[0].toFixed(2)), Number(s[1].toFixed(2))];
  const triple = (from: number): AnchorTriple => sorted.slice(from, from + 3).map(round);
  return { small: triple(0), mid: triple(3), big: triple(6) };
}

/** A box's size in network-input pixels. */
export function scaledSize(
  box: { x1: number; y1: number; x2: number; y2: number },
  image: { width: number; height: number },
  net: { width: number; height: number },
): Size {
  return [((box.x2 - box.x1) * net.width) / image.width, ((box.y2 - box.y1) * net.height) / image.height];
}
