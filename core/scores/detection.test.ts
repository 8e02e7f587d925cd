import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Box } from '../formats/kitti';
import { detectionScores } from './detection';
import { scoresOfPredictionFolder } from './prediction-folder';

const box = (score: number, cls = 'apple'): Box => ({ cls, x1: 0, y1: 0, x2: 10, y2: 10, score });
const H = (p: number) => -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));

test('hand-computed scores for two boxes (s = 0.9, 0.5) and for no boxes', () => {
  const scores = detectionScores(
    new Map([
      ['a', [box(0.9), box(0.5)]],
      ['empty', []],
    ]),
  );
  const a = scores.get('a')!;
  expect(a.objectness_least_confidence).toBeCloseTo(0.3, 12);
  // least confidence: (1 - 0.9) / 0.5 = 0.2 and (1 - 0.5) / 0.5 = 1
  expect(a.uncertainty_least_confidence).toBeCloseTo(1, 12);
  expect(a.uncertainty_least_confidence_mean).toBeCloseTo(0.6, 12);
  expect(a.uncertainty_least_confidence_sum).toBeCloseTo(1.2, 12);
  // margin: 1 - (0.9 - 0.1) = 0.2 and 1 - 0 = 1
  expect(a.uncertainty_margin).toBeCloseTo(1, 12);
  expect(a.uncertainty_margin_mean).toBeCloseTo(0.6, 12);
  // entropy in bits over K = 2: H(0.9) = 0.469, H(0.5) = 1
  expect(a.uncertainty_entropy).toBeCloseTo(1, 12);
  expect(a.uncertainty_entropy_mean).toBeCloseTo((H(0.9) + 1) / 2, 12);
  expect(a.uncertainty_entropy_sum).toBeCloseTo(H(0.9) + 1, 12);
  const empty = scores.get('empty')!;
  for (const [name, value] of Object.entries(empty)) if (name !== 'object_frequency') expect(value).toBe(0);
});

test('object frequency: 1 + 0.25 per further box of a class, mapped over the dataset to [0.9, 1]', () => {
  const scores = detectionScores(
    new Map([
      ['two', [box(0.8), box(0.7)]], // 1.25
      ['none', []], // 0
      ['five', [box(0.9), box(0.9), box(0.9), box(0.9), box(0.9, 'pear')]], // 1.75 + 1 = 2.75
    ]),
  );
  expect(scores.get('none')!.object_frequency).toBeCloseTo(0.9, 12);
  expect(scores.get('five')!.object_frequency).toBeCloseTo(1.0, 12);
  expect(scores.get('two')!.object_frequency).toBeCloseTo(0.9 + (0.1 * 1.25) / 2.75, 12);
  expect(detectionScores(new Map([['x', [box(0.5)]]])).get('x')!.object_frequency).toBe(1);
});

test('boxes of a detector of several classes use their own K class probabilities', () => {
  // K = 3, p = [0.5, 0.3, 0.2]: least confidence (1 - 0.5) / (1 - 1/3), margin 1 - 0.2, entropy / log2 3
  const p = [0.5, 0.3, 0.2];
  const a = detectionScores(new Map([['a', [{ ...box(0.5), probs: p }]]])).get('a')!;
  expect(a.uncertainty_least_confidence).toBeCloseTo(0.5 / (2 / 3), 12);
  expect(a.uncertainty_margin).toBeCloseTo(0.8, 12);
  expect(a.uncertainty_entropy).toBeCloseTo(-p.reduce((s, q) => s + q * Math.log2(q), 0) / Math.log2(3), 12);
});

test('a predictions folder with .probs files: read line by line; a count mismatch is an error naming the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-probs-'));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'leaf 0 0 0 1 1 9 9 0 0 0 0 0 0 0 0.6\n');
  fs.writeFileSync(path.join(dir, 'a.probs'), '0.4 0.6\n');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'apple 0 0 0 1 1 9 9 0 0 0 0 0 0 0 0.9\n');
  const scores = await scoresOfPredictionFolder(dir);
  expect(scores.get('a')!.uncertainty_margin).toBeCloseTo(0.8, 12); // 1 - (0.6 - 0.4)
  expect(scores.get('b')!.uncertainty_margin).toBeCloseTo(0.2, 12); // one class: [0.9, 0.1]
  fs.writeFileSync(path.join(dir, 'a.probs'), '0.4 0.6\n0.5 0.5\n');
  await expect(scoresOfPredictionFolder(dir)).rejects.toThrow(
    `${path.join(dir, 'a.probs')}: 2 lines of class probabilities for 1 boxes`,
  );
});
