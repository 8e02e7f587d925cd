import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGreyPng, writeRgbPng } from '../../tests/helpers/png';
import { checkDataset, ingestDataset, median } from './ingest';

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
  expect(manifest.images.map((i) => [i.name, i.width, i.height, i.boxes])).toEqual([
    ['a', 20, 10, 2],
    ['b', 20, 10, undefined],
  ]);
  expect(
    fs
      .readFileSync(path.join(out, 'a.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(4, 8).map(Number)),
  ).toEqual([
    [0, 0, 4, 3],
    [10, 0, 20, 10],
  ]);
  const messages = manifest.problems.map((p) => `${path.basename(p.file)}: ${p.message}`);
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^orphan.png: no image named orphan/),
      expect.stringMatching(/^b.png: no mask/),
    ]),
  );
});

test('KITTI layout: labels read in place, every bad line reported', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(
    path.join(root, 'labels', 'a.txt'),
    'apple 0 0 0 1 1 10 10 0 0 0 0 0 0 0\napple 0 0 0 1 1\napple 0 0 0 40 30 60 39 0 0 0 0 0 0 0\n',
  );
  const manifest = await ingestDataset(root);
  expect(manifest.layout).toBe('kitti');
  expect(manifest.images[0].labels).toBe(path.join(root, 'labels', 'a.txt'));
  const messages = manifest.problems.map((p) => `${p.line ?? ''} ${p.message}`);
  expect(messages).toEqual([
    expect.stringMatching(/^2 expected 15 fields/),
    expect.stringContaining('outside the 50x40 image'),
  ]);
});

test('KITTI layout with classes: an unknown class is reported, compared case-insensitively, and stays (labels are used in place)', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(
    path.join(root, 'labels', 'a.txt'),
    'Apple 0 0 0 1 1 10 10 0 0 0 0 0 0 0\ncar 0 0 0 1 1 10 10 0 0 0 0 0 0 0\n',
  );
  const manifest = await ingestDataset(root, undefined, { classes: ['apple'] });
  expect(manifest.problems).toEqual([
    { file: path.join(root, 'labels', 'a.txt'), line: 2, message: 'unknown class "car" (annotation.classes: apple)' },
  ]);
  expect(manifest.images[0].boxes).toBe(2);
  expect((await ingestDataset(root)).problems).toEqual([]);
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
  // boxes: a 5x10 and a 9x10 (x 11..19), b 5x10 -> widths 5, 9, 5
  expect(report).toMatchObject({
    layout: 'minneapple',
    images: 3,
    labelled: 3,
    boxes: 3,
    boxesPerImage: { min: 0, median: 1, max: 2 },
    boxSize: { medianWidth: 5, medianHeight: 10 },
  });
  expect(report.problems).toEqual([expect.stringContaining('c.png: mask has no instances')]);
  expect(fs.readdirSync(root).sort()).toEqual(['images', 'masks']);
});

test('masks and labels side by side: the masks win; an unreadable image is reported once', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 20, 10);
  fs.writeFileSync(path.join(root, 'images', 'z.png'), 'broken');
  writeGreyPng(path.join(root, 'masks', 'a.png'), 20, 10, (x) => (x === 3 ? 4 : 0));
  writeGreyPng(path.join(root, 'masks', 'z.png'), 20, 10, () => 1);
  fs.mkdirSync(path.join(root, 'labels'));
  const out = path.join(tmp(), 'kitti');
  const manifest = await ingestDataset(root, out);
  expect(manifest.layout).toBe('minneapple');
  // a 1-pixel-wide instance is kept: column 3 -> x1 3, x2 4
  expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe(
    'apple 0.00 0 0.00 3.00 0.00 4.00 10.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00\n',
  );
  expect(manifest.images).toEqual([
    {
      name: 'a',
      file: path.join(root, 'images', 'a.png'),
      width: 20,
      height: 10,
      labels: path.join(out, 'a.txt'),
      boxes: 1,
    },
  ]);
  expect(manifest.problems.map((p) => path.basename(p.file))).toEqual(['z.png']);
  expect(manifest.problems[0].message).toContain('unreadable image');
});

test('a mask of another size than its image is reported and writes no labels; an empty mask writes an empty file', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 20, 10);
  writeRgbPng(path.join(root, 'images', 'b.png'), 20, 10);
  writeGreyPng(path.join(root, 'masks', 'a.png'), 10, 10, () => 1);
  writeGreyPng(path.join(root, 'masks', 'b.png'), 20, 10, () => 0);
  const out = path.join(tmp(), 'kitti');
  const manifest = await ingestDataset(root, out);
  expect(manifest.problems.map((p) => `${path.basename(p.file)}: ${p.message}`)).toEqual([
    'a.png: mask is 10x10 but its image is 20x10',
    'b.png: mask has no instances (all pixels 0)',
  ]);
  expect(fs.readdirSync(out)).toEqual(['b.txt']);
  expect(fs.readFileSync(path.join(out, 'b.txt'), 'utf8')).toBe('');
  expect(manifest.images.map((i) => i.boxes)).toEqual([undefined, 0]);
});

test('KITTI layout: a label file without an image, and an image without a label file', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'labels', 'ghost.txt'), '');
  fs.writeFileSync(path.join(root, 'labels', 'readme.md'), 'ignored');
  const report = await checkDataset(root);
  expect(report).toMatchObject({
    layout: 'kitti',
    images: 1,
    labelled: 0,
    boxes: 0,
    boxesPerImage: null,
    boxSize: null,
  });
  expect(report.problems).toEqual([
    expect.stringMatching(/ghost\.txt: no image named ghost/),
    expect.stringMatching(/a\.png: no label file for this image$/),
  ]);
});

test('median', () => {
  expect(median([])).toBe(0);
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
