import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatKittiFile, formatKittiLabel, formatKittiPrediction, type Box } from '../formats/kitti';
import { repositoryRoot } from '../io/repository-root';
import { mulberry32 } from '../selection/random';
import { iou } from './iou';
import { cocoAp, evaluateFolders, vocAp50, vocApPerClass, type BoxesByImage, type CocoResult } from './map';

const box = (x1: number, y1: number, x2: number, y2: number, score?: number, cls = 'apple'): Box =>
  score === undefined ? { cls, x1, y1, x2, y2 } : { cls, x1, y1, x2, y2, score };
const one = (boxes: Box[]): BoxesByImage => new Map([['a', boxes]]);

test('IoU on continuous coordinates, no +1', () => {
  expect(iou(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBe(1);
  expect(iou(box(0, 0, 10, 10), box(5, 0, 15, 10))).toBe(50 / 150);
  expect(iou(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(0);
  expect(iou(box(0, 0, 10, 10), box(2, 2, 4, 4))).toBe(4 / 100);
});

describe('VOC all-point AP@0.5 (hand-checked)', () => {
  test('perfect detections give 1, none give 0, no ground truth gives 0', () => {
    const gt = one([box(0, 0, 10, 10), box(20, 20, 30, 30)]);
    expect(vocAp50(gt, one([box(0, 0, 10, 10, 0.9), box(20, 20, 30, 30, 0.8)]))).toBe(1);
    expect(vocAp50(gt, new Map())).toBe(0);
    expect(vocAp50(new Map([['a', []]]), one([box(0, 0, 1, 1, 1)]))).toBe(0);
  });

  test('2 ground truth, 3 detections: TP, FP, TP', () => {
    // after each: (r .5, p 1), (r .5, p .5), (r 1, p 2/3); envelope at r .5 is 1 -> AP = .5*1 + .5*2/3
    const gt = one([box(0, 0, 10, 10), box(20, 20, 30, 30)]);
    const preds = one([box(0, 0, 10, 10, 0.9), box(50, 50, 60, 60, 0.8), box(20, 20, 30, 30, 0.7)]);
    expect(vocAp50(gt, preds)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 15);
  });

  test('FP, TP, FP, TP over 3 ground truth: the envelope lifts an earlier precision', () => {
    // (r 0, p 0), (r 1/3, p 1/2), (r 1/3, p 1/3), (r 2/3, p 1/2) -> AP = 1/3 * 1/2 + 1/3 * 1/2 = 1/3
    const gt = one([box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)]);
    const preds = one([
      box(100, 0, 110, 10, 0.9),
      box(0, 0, 10, 10, 0.8),
      box(200, 0, 210, 10, 0.7),
      box(20, 0, 30, 10, 0.6),
    ]);
    expect(vocAp50(gt, preds)).toBeCloseTo(1 / 3, 15);
  });

  test('IoU exactly 0.5 is a match; a duplicate of a matched box is a false positive', () => {
    // 10x5 inside 10x10: IoU = 50/100 = .5
    expect(vocAp50(one([box(0, 0, 10, 10)]), one([box(0, 0, 10, 5, 1)]))).toBe(1);
    // (0,0,10,8) IoU .8 -> TP; the second (lower score) takes the same box -> FP: AP = .5 * 1 of 2 GT
    const gt = one([box(0, 0, 10, 10), box(100, 100, 110, 110)]);
    expect(vocAp50(gt, one([box(0, 0, 10, 8, 0.9), box(0, 0, 10, 10, 0.5)]))).toBeCloseTo(0.5, 15);
    // offset by 5 px: IoU = 50/150 < .5 -> a miss
    expect(vocAp50(one([box(0, 0, 10, 10)]), one([box(5, 0, 15, 10, 1)]))).toBe(0);
  });

  test('a detection goes to its highest-IoU ground truth even when that one is taken (VOC, not COCO)', () => {
    // G1 0..10, G2 6..16 (x). D1 (.9) = G1 exactly. D2 (.8) 1..11: IoU with G1 9/11, with G2 5/15 -> G1, taken -> FP
    const gt = one([box(0, 0, 10, 10), box(6, 0, 16, 10)]);
    const preds = one([box(0, 0, 10, 10, 0.9), box(1, 0, 11, 10, 0.8)]);
    expect(vocAp50(gt, preds)).toBeCloseTo(0.5, 15);
    // COCO's greedy matching would give D2 to the free G2 only if IoU >= .5; here 1/3, so no difference at .5.
  });

  test('detections are ranked across images; equal scores keep image-name order', () => {
    // a: TP .9; b: FP .95 -> order FP, TP: p = 0, then .5 at r = 1 -> AP = .5
    const gt: BoxesByImage = new Map([
      ['a', [box(0, 0, 10, 10)]],
      ['b', []],
    ]);
    expect(
      vocAp50(
        gt,
        new Map([
          ['a', [box(0, 0, 10, 10, 0.9)]],
          ['b', [box(0, 0, 10, 10, 0.95)]],
        ]),
      ),
    ).toBeCloseTo(0.5, 15);
    // equal scores: a's TP ranks before b's FP (image 'a' < 'b') -> AP 1; with the names swapped -> .5
    expect(
      vocAp50(
        gt,
        new Map([
          ['b', [box(0, 0, 10, 10, 0.9)]],
          ['a', [box(0, 0, 10, 10, 0.9)]],
        ]),
      ),
    ).toBe(1);
    const swapped: BoxesByImage = new Map([
      ['b', [box(0, 0, 10, 10)]],
      ['a', []],
    ]);
    expect(
      vocAp50(
        swapped,
        new Map([
          ['a', [box(0, 0, 10, 10, 0.9)]],
          ['b', [box(0, 0, 10, 10, 0.9)]],
        ]),
      ),
    ).toBeCloseTo(0.5, 15);
  });

  test('classes: averaged over classes with ground truth, case-insensitive, others ignored', () => {
    const gt = one([box(0, 0, 10, 10, undefined, 'Apple'), box(20, 0, 30, 10, undefined, 'pear')]);
    const preds = one([
      box(0, 0, 10, 10, 0.9, 'apple'),
      box(20, 0, 30, 10, 0.9, 'apple'),
      box(50, 0, 60, 10, 0.95, 'plum'),
    ]);
    // apple: TP then FP -> AP 1; pear: nothing -> 0
    expect(vocApPerClass(gt, preds)).toEqual(
      new Map([
        ['apple', 1],
        ['pear', 0],
      ]),
    );
    expect(vocAp50(gt, preds)).toBe(0.5);
  });
});

describe('COCO AP agrees with pycocotools', () => {
  const python = path.join(repositoryRoot(), '.venv', 'bin', 'python');
  const script = path.join(repositoryRoot(), 'tests', 'reference', 'coco_ap.py');

  function reference(gt: BoxesByImage, preds: BoxesByImage): CocoResult {
    const asJson = (m: BoxesByImage) =>
      Object.fromEntries(
        [...m].map(([k, v]) => [k, v.map((b) => ({ bbox: [b.x1, b.y1, b.x2, b.y2], cls: b.cls, score: b.score }))]),
      );
    const input = JSON.stringify({
      images: [...new Set([...gt.keys(), ...preds.keys()])],
      gt: asJson(gt),
      dt: asJson(preds),
    });
    return JSON.parse(execFileSync(python, [script], { input, encoding: 'utf8' })) as CocoResult;
  }

  function expectAgreement(gt: BoxesByImage, preds: BoxesByImage): CocoResult {
    const ours = cocoAp(gt, preds);
    const ref = reference(gt, preds);
    expect(Math.abs(ours.ap - ref.ap)).toBeLessThan(1e-12);
    expect(Math.abs(ours.ap50 - ref.ap50)).toBeLessThan(1e-12);
    expect(Math.abs(ours.ap75 - ref.ap75)).toBeLessThan(1e-12);
    return ours;
  }

  /** Crowded images like MinneApple's (up to 130 apples), jittered detections, misses and false alarms. */
  function randomCase(
    seed: number,
    images: number,
    maxObjects: number,
    classes = ['apple'],
    grid = 0,
  ): [BoxesByImage, BoxesByImage] {
    const rand = mulberry32(seed);
    // grid > 0 snaps coordinates to multiples of 1/grid, which makes exact IoU ties likely.
    const q = (v: number) => (grid ? Math.round(v * grid) / grid : v);
    const gt: BoxesByImage = new Map();
    const preds: BoxesByImage = new Map();
    for (let i = 0; i < images; i++) {
      const g: Box[] = [];
      const p: Box[] = [];
      const count = Math.floor(rand() * maxObjects);
      for (let k = 0; k < count; k++) {
        const cls = classes[Math.floor(rand() * classes.length)];
        const x = q(rand() * 600);
        const y = q(rand() * 300);
        const s = q(8 + rand() * 30);
        g.push(box(x, y, x + s, q(y + s * (0.8 + 0.4 * rand())), undefined, cls));
        const copies = rand() < 0.85 ? (rand() < 0.1 ? 2 : 1) : 0;
        for (let c = 0; c < copies; c++) {
          const j = () => q((rand() - 0.5) * s * 0.5);
          p.push(box(x + j(), y + j(), x + s + j(), y + s + j(), Math.round(rand() * 20) / 20, cls));
        }
      }
      for (let k = 0; k < count * 0.2; k++) {
        const x = q(rand() * 600);
        const y = q(rand() * 300);
        p.push(box(x, y, x + 20, y + 20, rand() * 0.5, classes[k % classes.length]));
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
    [4, 2, 160],
  ])('random case seed %i (%i images, up to %i objects)', (seed, images, maxObjects) => {
    const [gt, preds] = randomCase(seed, images, maxObjects);
    expect(expectAgreement(gt, preds).ap).toBeGreaterThan(0.05);
  });

  test("the trainer's evaluate (Python) gives the same mAP@0.5 as evaluateFolders", async () => {
    const [gt, preds] = randomCase(7, 6, 60, ['apple', 'pear'], 4);
    const write = (boxes: BoxesByImage, kind: 'label' | 'prediction') => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pomona-eval-${kind}-`));
      for (const [name, list] of boxes) fs.writeFileSync(path.join(dir, `${name}.txt`), formatKittiFile(list, kind));
      return dir;
    };
    const gtDir = write(gt, 'label');
    const predDir = write(preds, 'prediction');
    const ours = await evaluateFolders(gtDir, predDir);
    const trainer = JSON.parse(
      execFileSync(python, ['-m', 'pomona_trainer', 'evaluate', '--labels', gtDir, '--pred', predDir], {
        cwd: repositoryRoot(),
        encoding: 'utf8',
      }),
    ) as { map50: number; gt_boxes: number; detections: number };
    expect(ours.map50).toBeGreaterThan(0.3);
    expect(Math.abs(trainer.map50 - ours.map50)).toBeLessThan(1e-12);
    expect([trainer.gt_boxes, trainer.detections]).toEqual([ours.gt_boxes, ours.detections]);
  });

  test('coordinates on a 1/4-pixel grid (exact IoU ties at thresholds)', () => {
    const [gt, preds] = randomCase(5, 4, 60, ['apple'], 4);
    expectAgreement(gt, preds);
  });

  test('two classes, one without detections, plus detections of a class without ground truth', () => {
    const [gt, preds] = randomCase(6, 4, 40, ['apple', 'pear']);
    for (const [name, boxes] of preds)
      preds.set(name, boxes.filter((b) => b.cls === 'apple').concat([box(1, 1, 9, 9, 0.99, 'plum')]));
    expectAgreement(gt, preds);
  });

  test('hand-built thresholds: IoU exactly .5 and .75 match at those thresholds', () => {
    // IoU .5 (10x5 in 10x10) counts at t = .5 only; IoU .75 (10x7.5) at .5 ... .75 (6 of 10 thresholds)
    const ours = expectAgreement(
      new Map([
        ['a', [box(0, 0, 10, 10)]],
        ['b', [box(0, 0, 10, 10)]],
      ]),
      new Map([
        ['a', [box(0, 0, 10, 5, 0.9)]],
        ['b', [box(0, 0, 10, 7.5, 0.8)]],
      ]),
    );
    // t = .5: both TP (AP 1); t in .55...75: only b's (second-ranked) -> precision 1/2 up to recall 1/2
    expect(ours.ap50).toBeCloseTo(1, 12);
    expect(ours.ap75).toBeCloseTo(0.5 * (51 / 101), 12);
  });

  test('no detections at all, and an image with detections but no ground truth', () => {
    const gt: BoxesByImage = new Map([
      ['a', [box(0, 0, 10, 10)]],
      ['b', []],
    ]);
    expect(expectAgreement(gt, new Map())).toEqual({ ap: 0, ap50: 0, ap75: 0 });
    expectAgreement(
      gt,
      new Map([
        ['a', [box(0, 0, 10, 10, 0.5)]],
        ['b', [box(0, 0, 10, 10, 0.9)]],
      ]),
    );
  });

  test('more than 100 detections per image all count (maxDets 1000)', () => {
    const gt = one(Array.from({ length: 120 }, (_, k) => box(k * 12, 0, k * 12 + 10, 10)));
    const preds = one(gt.get('a')!.map((b, k) => ({ ...b, score: 1 - k / 1000 })));
    expect(cocoAp(gt, preds).ap).toBeCloseTo(1, 12);
    expect(expectAgreement(gt, preds).ap).toBeCloseTo(1, 12);
    // cut to 100: recall stops at 100/120, so only the recall points 0, .01, ..., .83 (84 of 101) read 1
    expect(cocoAp(gt, preds, { maxDets: 100 }).ap).toBeCloseTo(84 / 101, 12);
    expect(() => cocoAp(gt, preds, { maxDets: 0 })).toThrow('maxDets');
  });
});

describe('evaluateFolders', () => {
  function folder(files: Record<string, Box[] | string>, prediction: boolean): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-eval-'));
    for (const [name, content] of Object.entries(files)) {
      const text =
        typeof content === 'string'
          ? content
          : content.map((b) => `${prediction ? formatKittiPrediction(b) : formatKittiLabel(b)}\n`).join('');
      fs.writeFileSync(path.join(dir, `${name}.txt`), text);
    }
    return dir;
  }

  test('a missing prediction file is no detections; counts; all ground-truth files by default', async () => {
    const gt = folder({ a: [box(0, 0, 10, 10), box(20, 20, 30, 30)], b: [box(0, 0, 10, 10)] }, false);
    const pred = folder({ a: [box(0, 0, 10, 10, 0.9), box(20, 20, 30, 30, 0.8)], other: [box(0, 0, 1, 1, 1)] }, true);
    const result = await evaluateFolders(gt, pred);
    // a's two TPs (r 2/3, p 1), b's box missed: VOC AP = 2/3
    expect(result).toMatchObject({ images: 2, gt_boxes: 3, detections: 2 });
    expect(result.map50).toBeCloseTo(2 / 3, 12);
    expect(result.coco_ap).toBeCloseTo(67 / 101, 12);
    expect(result.coco_ap50).toBeCloseTo(67 / 101, 12);
  });

  test('two classes: AP and ground-truth boxes per class, mAP their mean', async () => {
    const leaf = (x: number, score?: number) => ({ ...box(x, 0, x + 10, 10, score), cls: 'leaf' });
    const gt = folder({ a: [box(0, 0, 10, 10), leaf(20), leaf(40)] }, false);
    const pred = folder({ a: [box(0, 0, 10, 10, 0.9), leaf(20, 0.8)] }, true);
    const result = await evaluateFolders(gt, pred);
    expect(result.ap50_by_class).toEqual({ apple: 1, leaf: 0.5 });
    expect(result.gt_boxes_by_class).toEqual({ apple: 1, leaf: 2 });
    expect(result.map50).toBeCloseTo(0.75, 12);
  });

  test('imageNames restricts the evaluation; a name without ground truth is an error', async () => {
    const gt = folder({ a: [box(0, 0, 10, 10)], b: [box(0, 0, 10, 10)] }, false);
    const pred = folder({ a: [box(0, 0, 10, 10, 0.9)] }, true);
    const result = await evaluateFolders(gt, pred, ['a']);
    expect(result).toMatchObject({ map50: 1, images: 1, gt_boxes: 1, detections: 1 });
    // pycocotools' eps in precision's denominator: 1 / (1 + 2^-52) is one ulp below 1
    expect(result.coco_ap).toBeCloseTo(1, 15);
    await expect(evaluateFolders(gt, pred, ['a', 'zz'])).rejects.toThrow('zz.txt');
  });

  test('malformed predictions (15 fields, junk) and missing folders throw with file:line', async () => {
    const gt = folder({ a: [box(0, 0, 10, 10)] }, false);
    const pred = folder({ a: `${formatKittiLabel(box(0, 0, 10, 10))}\n` }, true);
    await expect(evaluateFolders(gt, pred)).rejects.toThrow(`${path.join(pred, 'a.txt')}:1: expected 16 fields`);
    await expect(evaluateFolders(gt, path.join(pred, 'nope'))).rejects.toThrow('no such folder');
  });
});
