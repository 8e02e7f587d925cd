// Folder submissions in the formats people export besides KITTI: YOLO, Pascal VOC and COCO, each read
// into the same pixel boxes, and each bad input named by file and line (or element).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../formats/problem';
import { submissionFormat, validateAnnotations } from './validate-annotations';

const batch = [
  { name: 'a', width: 200, height: 100 },
  { name: 'b', width: 200, height: 100 },
];
const apple = { cls: 'apple', x1: 20, y1: 10, x2: 60, y2: 35 };

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-labels-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function problems(dir: string, classes = ['apple']): Promise<string[]> {
  const result = await validateAnnotations(dir, batch, { classes });
  return result.problems.map((p) => formatProblem({ ...p, file: path.basename(p.file) }));
}

test('the format is told by the files', () => {
  expect(submissionFormat(['a.txt', 'classes.txt', 'notes.json'])).toEqual({ kind: 'yolo', classFile: 'classes.txt' });
  expect(submissionFormat(['a.xml', 'b.xml'])).toEqual({ kind: 'voc' });
  expect(submissionFormat(['result.json'])).toEqual({ kind: 'coco', file: 'result.json', others: [] });
  expect(submissionFormat(['a.txt', 'b.txt'])).toEqual({ kind: 'kitti' });
});

test('YOLO: fractions of the image become the same pixel boxes; bad lines are named', async () => {
  const good = folder({ 'classes.txt': 'apple\n', 'a.txt': '0 0.2 0.225 0.2 0.25\n', 'b.txt': '' });
  const result = await validateAnnotations(good, batch, { classes: ['apple'] });
  expect(result.problems).toEqual([]);
  expect(result.labels.a[0].cls).toBe('apple');
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(result.labels.a[0][k]).toBeCloseTo(apple[k], 9);
  expect(result.labels.b).toEqual([]);
  const bad = folder({
    'classes.txt': 'apple\npear\n',
    'a.txt': '2 0.5 0.5 0.1 0.1\n0 20 10 40 25\n1 0.5 0.5 0.1 0.1\n',
  });
  expect(await problems(bad)).toEqual([
    'a.txt:1: class index 2 is not one of 0..1 (the lines of the class names file)',
    'a.txt:2: values above 1: YOLO boxes are fractions of the image, not pixels',
    'a.txt:3: unknown class "pear" (expected apple)',
    'b.txt: missing label file for batch image b (an image without objects needs an empty file)',
  ]);
});

test('Pascal VOC: one XML per image, objects named by line', async () => {
  const voc = (objects: string) =>
    `<annotation>\n<size><width>200</width><height>100</height></size>\n${objects}</annotation>\n`;
  const object = (name: string, box: number[]) =>
    `<object><name>${name}</name>\n<bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object>\n`;
  const good = folder({ 'a.xml': voc(object('Apple', [20, 10, 60, 35])), 'b.xml': voc('') });
  const result = await validateAnnotations(good, batch, { classes: ['apple'] });
  expect(result.problems).toEqual([]);
  expect(result.labels.a).toEqual([apple]);
  const bad = folder({ 'a.xml': voc(object('pear', [20, 10, 260, 35])), 'b.xml': '<annotation><object>' });
  expect(await problems(bad)).toEqual([
    'a.xml:4: box 20,10,260,35 lies outside the 200x100 image',
    'a.xml:4: unknown class "pear" (expected apple)',
    expect.stringMatching(/^b\.xml:1: malformed XML: /),
  ]);
});

test('COCO: one JSON file, boxes [x, y, w, h]; problems name their element', async () => {
  const coco = (
    annotations: unknown[],
    images = [
      { id: 1, file_name: 'a.png' },
      { id: 2, file_name: 'dir/b.jpg', width: 200, height: 100 },
    ],
  ) =>
    JSON.stringify({
      images,
      annotations,
      categories: [
        { id: 5, name: 'apple' },
        { id: 6, name: 'pear' },
      ],
    });
  const good = folder({ 'labels.json': coco([{ id: 1, image_id: 1, category_id: 5, bbox: [20, 10, 40, 25] }]) });
  const result = await validateAnnotations(good, batch, { classes: ['apple'] });
  expect(result.problems).toEqual([]);
  expect(result.labels).toEqual({ a: [apple], b: [] });
  const bad = folder({
    'labels.json': coco(
      [
        { id: 1, image_id: 1, category_id: 6, bbox: [20, 10, 40, 25] },
        { id: 2, image_id: 9, category_id: 5, bbox: [1, 1, 2, 2] },
        { id: 3, image_id: 1, category_id: 5, bbox: [1, 1] },
      ],
      [{ id: 1, file_name: 'a.png', width: 100, height: 100 }],
    ),
  });
  expect(await problems(bad)).toEqual([
    'labels.json: annotations[1] (id 2): image_id 9 is not in "images"',
    'labels.json: annotations[2] (id 3): "bbox" must be [x, y, width, height] in pixels',
    'labels.json: image a: the file says 100x100 but the image is 200x100',
    'labels.json: annotations[0] (id 1): unknown class "pear" (expected apple)',
    'labels.json: no entry in "images" for batch image b (an image without objects needs one, with no annotations)',
  ]);
  expect(await problems(folder({ 'labels.json': '{"images": [' }))).toEqual([
    expect.stringMatching(/^labels\.json: malformed JSON: /),
    'labels.json: no entry in "images" for batch image a (an image without objects needs one, with no annotations)',
    'labels.json: no entry in "images" for batch image b (an image without objects needs one, with no annotations)',
  ]);
});
