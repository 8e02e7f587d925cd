import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGreyPng, writeRgbPng } from '../../tests/helpers/png';
import { checkDataset, ingestDataset } from './ingest';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-ingest-'));

test('MinneApple layout: masks become KITTI labels, mismatches are reported', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 20, 10);
  writeRgbPng(path.join(root, 'images', 'b.png'), 20, 10);
  writeGreyPng(path.join(root, 'masks', 'a.png'), 20, 10, (x, y) => (x < 4 && y < 3 ? 1 : x >= 10 ? 2 : 0));
  writeGreyPng(path.join(root, 'masks', 'orphan.png'), 20, 10, () => 1);
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out);
  expect(manifest.layout).toBe('minneapple');
  expect(manifest.images.map((i) => [i.name, i.width, i.height, i.boxes])).toEqual([['a', 20, 10, 2], ['b', 20, 10, undefined]]);
  expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ').slice(4, 8).map(Number))).toEqual([
    [0, 0, 4, 3],
    [10, 0, 20, 10],
  ]);
  const messages = manifest.problems.map((p) => `${path.basename(p.file)}: ${p.message}`);
  expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^orphan.png: no image named orphan/), expect.stringMatching(/^b.png: no mask/)]));
});

test('KITTI layout: labels read in place, every bad line reported', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'labels', 'a.txt'), 'apple 0 0 0 1 1 10 10 0 0 0 0 0 0 0\napple 0 0 0 1 1\napple 0 0 0 40 30 60 39 0 0 0 0 0 0 0\n');
  const manifest = await ingestDataset(root);
  expect(manifest.layout).toBe('kitti');
  expect(manifest.images[0].labels).toBe(path.join(root, 'labels', 'a.txt'));
  const messages = manifest.problems.map((p) => `${p.line ?? ''} ${p.message}`);
  expect(messages).toEqual([expect.stringMatching(/^2 expected 15 fields/), expect.stringContaining('outside the 50x40 image')]);
});

test('images only, flat or in images/; corrupt images and empty folders reported', async () => {
  const flat = tmp();
  writeRgbPng(path.join(flat, 'x.png'), 8, 8);
  fs.writeFileSync(path.join(flat, 'bad.jpg'), 'nope');
  const manifest = await ingestDataset(flat);
  expect(manifest.layout).toBe('images');
  expect(manifest.images.map((i) => i.name)).toEqual(['x']);
  expect(manifest.problems[0].message).toContain('unreadable image');
  const empty = tmp();
  fs.mkdirSync(path.join(empty, 'images'));
  expect((await ingestDataset(empty)).problems[0].message).toContain('no images');
  await expect(ingestDataset(path.join(empty, 'missing'))).rejects.toThrow('not a folder');
});

test('check reports counts without writing anything', async () => {
  const root = tmp();
  for (const n of ['a', 'b', 'c']) writeRgbPng(path.join(root, 'images', `${n}.png`), 20, 10);
  writeGreyPng(path.join(root, 'masks', 'a.png'), 20, 10, (x) => (x < 5 ? 1 : x > 10 ? 2 : 0));
  writeGreyPng(path.join(root, 'masks', 'b.png'), 20, 10, (x) => (x < 5 ? 9 : 0));
  writeGreyPng(path.join(root, 'masks', 'c.png'), 20, 10, () => 0);
  const report = await checkDataset(root);
  expect(report).toMatchObject({ layout: 'minneapple', images: 3, labelled: 3, boxes: 3, boxesPerImage: { min: 0, median: 1, max: 2 } });
  expect(report.problems).toEqual([expect.stringContaining('c.png: mask has no instances')]);
  expect(fs.readdirSync(root).sort()).toEqual(['images', 'masks']);
});
