import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { Box } from '../formats/kitti';
import { repositoryRoot } from '../io/repository-root';
import { mulberry32 } from '../selection/random';
import { cocoAp, vocMap50, type BoxesByImage } from './map';

const box = (x1: number, y1: number, x2: number, y2: number, score?: number): Box => ({ cls: 'apple', x1, y1, x2, y2, score });

describe('VOC all-point AP@0.5 (hand-checked)', () => {
  test('perfect detections give 1, none give 0', () => {
    const gt: BoxesByImage = new Map([['a', [box(0, 0, 10, 10), box(20, 20, 30, 30)]]]);
    expect(vocMap50(gt, new Map([['a', [box(0, 0, 10, 10, 0.9), box(20, 20, 30, 30, 0.8)]]]))).toBe(1);
    expect(vocMap50(gt, new Map())).toBe(0);
  });

  test('a false positive ranked between two hits', () => {
    // dets by score: TP (r .5, p 1), FP (r .5, p .5), TP (r 1, p 2/3) -> AP = .5*1 + .5*2/3
    const gt: BoxesByImage = new Map([['a', [box(0, 0, 10, 10), box(20, 20, 30, 30)]]]);
    const preds: BoxesByImage = new Map([['a', [box(0, 0, 10, 10, 0.9), box(50, 50, 60, 60, 0.8), box(20, 20, 30, 30, 0.7)]]]);
    expect(vocMap50(gt, preds)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  test('a duplicate detection of a matched box is a false positive; IoU uses no +1', () => {
    // IoU(0..10, 0..8 vs 0..10) = 80/100 >= .5 -> first TP, the second (lower score) FP: AP = 1 * .5 = .5 of two GT
    const gt: BoxesByImage = new Map([['a', [box(0, 0, 10, 10), box(100, 100, 110, 110)]]]);
    const preds: BoxesByImage = new Map([['a', [box(0, 0, 10, 8, 0.9), box(0, 0, 10, 10, 0.5)]]]);
    expect(vocMap50(gt, preds)).toBeCloseTo(0.5, 12);
    // 5x10 overlap of 10x10 boxes offset by 5 px: IoU = 50 / 150 < .5 -> miss
    expect(vocMap50(new Map([['a', [box(0, 0, 10, 10)]]]), new Map([['a', [box(5, 0, 15, 10, 1)]]]))).toBe(0);
  });

  test('detections are ranked across images', () => {
    // a: TP .9; b: FP .95 -> order FP, TP: p = 0, .5 at r = 1 -> AP = .5
    const gt: BoxesByImage = new Map([['a', [box(0, 0, 10, 10)]], ['b', []]]);
    const preds: BoxesByImage = new Map([['a', [box(0, 0, 10, 10, 0.9)]], ['b', [box(0, 0, 10, 10, 0.95)]]]);
    expect(vocMap50(gt, preds)).toBeCloseTo(0.5, 12);
  });
});

describe('COCO AP agrees with pycocotools', () => {
  const python = path.join(repositoryRoot(), '.venv', 'bin', 'python');
  const script = path.join(repositoryRoot(), 'tests', 'reference', 'coco_ap.py');

  function reference(gt: BoxesByImage, preds: BoxesByImage): { ap: number; ap50: number } {
    const asArrays = (m: BoxesByImage, withScore: boolean) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.map((b) => (withScore ? [b.x1, b.y1, b.x2, b.y2, b.score] : [b.x1, b.y1, b.x2, b.y2]))]));
    const input = JSON.stringify({ images: [...new Set([...gt.keys(), ...preds.keys()])], gt: asArrays(gt, false), dt: asArrays(preds, true) });
    return JSON.parse(execFileSync(python, [script], { input, encoding: 'utf8' })) as { ap: number; ap50: number };
  }

  /** Crowded images like MinneApple's (up to 130 apples), jittered detections, misses and false alarms. */
  function randomCase(seed: number, images: number, maxObjects: number): [BoxesByImage, BoxesByImage] {
    const rand = mulberry32(seed);
    const gt: BoxesByImage = new Map();
    const preds: BoxesByImage = new Map();
    for (let i = 0; i < images; i++) {
      const g: Box[] = [];
      const p: Box[] = [];
      const count = Math.floor(rand() * maxObjects);
      for (let k = 0; k < count; k++) {
        const x = rand() * 600;
        const y = rand() * 300;
        const s = 8 + rand() * 30;
        g.push(box(x, y, x + s, y + s * (0.8 + 0.4 * rand())));
        if (rand() < 0.85) {
          const j = () => (rand() - 0.5) * s * 0.5;
          p.push(box(x + j(), y + j(), x + s + j(), y + s + j(), Math.round(rand() * 20) / 20));
        }
      }
      for (let k = 0; k < count * 0.2; k++) {
        const x = rand() * 600;
        const y = rand() * 300;
        p.push(box(x, y, x + 20, y + 20, rand() * 0.5));
      }
      gt.set(`img${i}`, g);
      preds.set(`img${i}`, p);
    }
    return [gt, preds];
  }

  test.each([
    [1, 4, 10],
    [2, 6, 40],
    [3, 3, 130],
  ])('random case seed %i (%i images, up to %i objects)', (seed, images, maxObjects) => {
    const [gt, preds] = randomCase(seed, images, maxObjects);
    const ours = cocoAp(gt, preds);
    const ref = reference(gt, preds);
    expect(ours.ap).toBeCloseTo(ref.ap, 9);
    expect(ours.ap50).toBeCloseTo(ref.ap50, 9);
    expect(ours.ap).toBeGreaterThan(0.05);
  });

  test('more than 100 detections per image all count (maxDets 1000)', () => {
    const gt: BoxesByImage = new Map([['a', Array.from({ length: 120 }, (_, k) => box(k * 12, 0, k * 12 + 10, 10))]]);
    const preds: BoxesByImage = new Map([['a', gt.get('a')!.map((b, k) => ({ ...b, score: 1 - k / 1000 }))]]);
    expect(cocoAp(gt, preds).ap).toBeCloseTo(1, 12);
    expect(cocoAp(gt, preds, 100).ap).toBeLessThan(0.9);
  });
});
