import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateFolders } from '../../core/metrics/map';
import { scoreRound } from './score-round';

test('one read gives the split mAP and each scene kind mAP, as scoring each subset alone does', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-score-round-'));
  const [gt, pred] = [path.join(dir, 'gt'), path.join(dir, 'pred')];
  for (const d of [gt, pred]) fs.mkdirSync(d);
  const box = (x: number, score?: number) =>
    `apple 0 0 0 ${x} 10 ${x + 20} 30 0 0 0 0 0 0 0${score === undefined ? '' : ` ${score}`}\n`;
  fs.writeFileSync(path.join(gt, 'a.txt'), box(0) + box(50));
  fs.writeFileSync(path.join(gt, 'b.txt'), box(0));
  fs.writeFileSync(path.join(gt, 'c.txt'), box(10));
  fs.writeFileSync(path.join(pred, 'a.txt'), box(0, 0.9) + box(100, 0.8));
  fs.writeFileSync(path.join(pred, 'b.txt'), box(0, 0.7)); // c has no prediction file: no detections
  const scenes = { a: 'sunny', b: 'dusk', c: 'dusk' };
  const scored = await scoreRound(gt, pred, scenes);
  expect(scored.map50).toBe((await evaluateFolders(gt, pred)).map50);
  expect(scored.byScene).toEqual({
    dusk: (await evaluateFolders(gt, pred, ['b', 'c'])).map50,
    sunny: (await evaluateFolders(gt, pred, ['a'])).map50,
  });
  expect(scored.byScene!.dusk).toBeCloseTo(0.5, 6);
  expect(await scoreRound(gt, pred)).toEqual({ map50: scored.map50 });
});
