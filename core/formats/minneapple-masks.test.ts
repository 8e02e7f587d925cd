import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGreyPng } from '../../tests/helpers/png';
import { readMaskInstances } from './minneapple-masks';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-masks-'));

test('one box per instance id, continuous edges (columns 10..19 give x1 10, x2 20)', async () => {
  const file = path.join(dir, 'a.png');
  writeGreyPng(file, 40, 30, (x, y) => (x >= 10 && x <= 19 && y >= 5 && y <= 8 ? 7 : x === 30 && y === 20 ? 3 : 0));
  const mask = await readMaskInstances(file);
  expect(mask.width).toBe(40);
  expect(mask.problems).toEqual([]);
  expect(mask.boxes).toEqual([
    { cls: 'apple', id: 3, x1: 30, y1: 20, x2: 31, y2: 21, pixels: 1 },
    { cls: 'apple', id: 7, x1: 10, y1: 5, x2: 20, y2: 9, pixels: 40 },
  ]);
});

test('a mask with no instances and an unreadable file are problems, not crashes', async () => {
  const empty = path.join(dir, 'empty.png');
  writeGreyPng(empty, 8, 8, () => 0);
  expect((await readMaskInstances(empty)).problems[0].message).toContain('no instances');
  const broken = path.join(dir, 'broken.png');
  fs.writeFileSync(broken, 'not a png');
  expect((await readMaskInstances(broken)).problems[0].message).toContain('unreadable mask');
});
