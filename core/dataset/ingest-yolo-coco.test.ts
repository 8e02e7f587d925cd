// Datasets in YOLO and COCO layouts become the same KITTI ground truth; each bad input is named.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRgbPng } from '../../tests/helpers/png';
import { formatProblem } from '../formats/problem';
import { detectLayout, ingestDataset } from './ingest';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-ingest-'));
const kitti = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => [l.split(' ')[0], ...l.split(' ').slice(4, 8).map(Number)]);

function images(root: string, names: string[]): void {
  for (const n of names) writeRgbPng(path.join(root, 'images', `${n}.png`), 200, 100);
}
const problems = (m: { problems: { file: string; line?: number; message: string }[] }) =>
  m.problems.map((p) => formatProblem({ ...p, file: path.basename(p.file) }));

test('YOLO: images/ + labels/ + classes.txt; fractions become pixel boxes, bad lines named', async () => {
  const root = tmp();
  images(root, ['a', 'b', 'c']);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'classes.txt'), 'apple\nleaf\n');
  fs.writeFileSync(path.join(root, 'labels', 'a.txt'), '0 0.2 0.225 0.2 0.25\n1 0.5 0.5 0.1 0.1\n');
  fs.writeFileSync(path.join(root, 'labels', 'b.txt'), '3 0.5 0.5 0.1 0.1\n');
  expect(await detectLayout(root)).toMatchObject({ layout: 'yolo', file: path.join(root, 'classes.txt') });
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out, { classes: ['apple'] });
  expect(manifest.layout).toBe('yolo');
  expect(kitti(path.join(out, 'a.txt'))).toEqual([['apple', 20, 10, 60, 35]]);
  expect(problems(manifest)).toEqual([
    'a.txt:2: unknown class "leaf" (annotation.classes: apple)',
    'b.txt:1: class index 3 is not one of 0..1 (the lines of the class names file)',
    'c.png: no label file for this image',
  ]);
});

test('COCO: images/ + annotations/<one>.json; boxes [x, y, w, h], problems by element', async () => {
  const root = tmp();
  images(root, ['a', 'b', 'c']);
  fs.mkdirSync(path.join(root, 'annotations'));
  fs.writeFileSync(
    path.join(root, 'annotations', 'instances.json'),
    JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg', width: 200, height: 100 },
        { id: 2, file_name: 'sub/b.png', width: 100, height: 100 },
        { id: 3, file_name: 'z.png' },
      ],
      annotations: [
        { id: 10, image_id: 1, category_id: 1, bbox: [20, 10, 40, 25] },
        { id: 11, image_id: 1, category_id: 1, bbox: [190, 10, 40, 25] },
        { id: 12, image_id: 2, category_id: 7, bbox: [1, 1, 2, 2] },
      ],
      categories: [{ id: 1, name: 'Apple' }],
    }),
  );
  expect((await detectLayout(root)).layout).toBe('coco');
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out, { classes: ['apple'] });
  expect(kitti(path.join(out, 'a.txt'))).toEqual([
    ['apple', 20, 10, 60, 35],
    ['apple', 190, 10, 230, 35],
  ]);
  expect(fs.readFileSync(path.join(out, 'b.txt'), 'utf8')).toBe('');
  expect(problems(manifest)).toEqual([
    'instances.json: annotations[2] (id 12): category_id 7 is not in "categories"',
    'instances.json: annotations[1] (id 11): box 190,10,230,35 lies outside the 200x100 image',
    'instances.json: image b: the file says 100x100 but the image is 200x100',
    `instances.json: no image named z in ${path.join(root, 'images')}`,
    'c.png: no entry in the COCO file for this image',
  ]);
});
