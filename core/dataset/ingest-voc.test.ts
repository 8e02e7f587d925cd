import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deepforestDataDir } from '../../tests/helpers/deepforest';
import { writeRgbPng } from '../../tests/helpers/png';
import { checkDataset, detectLayout, ingestDataset } from './ingest';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-voc-'));

/** One <object> per line: `[name, xmin, ymin, xmax, ymax]`; the annotation opens on line 1, <size> is line 2. */
function vocXml(
  objects: (string | number)[][],
  size = '<size><width>50</width><height>40</height><depth>3</depth></size>',
): string {
  const lines = objects.map(
    ([n, ...c]) =>
      `<object><name>${n}</name><bndbox><xmin>${c[0]}</xmin><ymin>${c[1]}</ymin><xmax>${c[2]}</xmax><ymax>${c[3]}</ymax></bndbox></object>`,
  );
  return ['<annotation><filename>a.tif</filename>', size, ...lines, '</annotation>', ''].join('\n');
}

function writeXml(root: string, name: string, text: string): void {
  fs.mkdirSync(path.join(root, 'annotations'), { recursive: true });
  fs.writeFileSync(path.join(root, 'annotations', `${name}.xml`), text);
}

/** KITTI label lines as [class, x1, y1, x2, y2]. */
const kittiBoxes = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      return [f[0], ...f.slice(4, 8).map(Number)];
    });

test('Pascal VOC layout: images/ + annotations/; boxes as written, classes lowercased, tied by base name', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  writeRgbPng(path.join(root, 'images', 'b.png'), 50, 40);
  // <filename> names a .tif: files are tied by base name, not by <filename>
  writeXml(
    root,
    'a',
    vocXml([
      ['Apple', 1, 2.5, 11, 12],
      ['apple', 0, 0, 50, 40],
    ]),
  );
  writeXml(root, 'b', '<annotation/>');
  expect(await detectLayout(root)).toEqual({
    layout: 'voc',
    imagesDir: path.join(root, 'images'),
    annotationsDir: path.join(root, 'annotations'),
  });
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out, { classes: ['apple'] });
  expect(manifest.problems).toEqual([]);
  expect(manifest.layout).toBe('voc');
  expect(manifest.images.map((i) => [i.name, i.labels, i.boxes])).toEqual([
    ['a', path.join(out, 'a.txt'), 2],
    ['b', path.join(out, 'b.txt'), 0],
  ]);
  expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe(
    'apple 0.00 0 0.00 1.00 2.50 11.00 12.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00\napple 0.00 0 0.00 0.00 0.00 50.00 40.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00\n',
  );
  expect(fs.readFileSync(path.join(out, 'b.txt'), 'utf8')).toBe('');
  // a dry check writes nothing and leaves `labels` unset
  const dry = await ingestDataset(root);
  expect(dry.images.map((i) => [i.labels, i.boxes])).toEqual([
    [undefined, 2],
    [undefined, 0],
  ]);
});

test('every VOC problem names its file and line; what can be read is kept', async () => {
  const root = tmp();
  for (const n of ['a', 'b', 'c', 'd']) writeRgbPng(path.join(root, 'images', `${n}.png`), 50, 40);
  writeXml(
    root,
    'a',
    vocXml([
      ['tree', 1, 2, 3, 4],
      ['tree', 40, 30, 60, 39], // outside the 50x40 image: reported, kept (as KITTI labels are)
      ['Car', 1, 2, 3, 4], // not in classes: reported, left out
      ['tree', 'abc', 2, 3, 4],
      ['tree', 30, 2, 30, 4],
    ]).replace(
      '</annotation>',
      '<object><name>tree</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax></bndbox></object>\n</annotation>',
    ),
  );
  writeXml(root, 'b', '<annotation>\n<object>\n<name>tree</name>\n</annotation>\n');
  writeXml(root, 'c', vocXml([['tree', 1, 2, 30, 40]], '<size><width>100</width><height>80</height></size>'));
  writeXml(root, 'ghost', vocXml([]));
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out, { classes: ['tree'] });
  expect(manifest.problems.map((p) => `${path.basename(p.file)}:${p.line ?? ''} ${p.message}`)).toEqual([
    'a.xml:6 <object> 4 (tree): <xmin> is not a number: "abc" in <bndbox>',
    'a.xml:7 <object> 5 (tree): empty box: xmin=30 ymin=2 xmax=30 ymax=4 (needs xmin < xmax and ymin < ymax)',
    'a.xml:8 <object> 6 (tree): no <ymax> in <bndbox>',
    'a.xml:4 box 40,30,60,39 lies outside the 50x40 image',
    'a.xml:5 unknown class "car" (annotation.classes: tree)',
    "b.xml:4 malformed XML: Expected closing tag 'object' (opened in line 2, col 1) instead of closing tag 'annotation'. (column 1)",
    'c.xml:2 <size> says 100x80 but the image is 50x40',
    `ghost.xml: no image named ghost in ${path.join(root, 'images')}`,
    'd.png: no annotation file (.xml) for this image',
  ]);
  expect(manifest.images.map((i) => [i.name, i.boxes])).toEqual([
    ['a', 2],
    ['b', undefined],
    ['c', 1],
    ['d', undefined],
  ]);
  expect(fs.readdirSync(out).sort()).toEqual(['a.txt', 'c.txt']);
  expect(kittiBoxes(path.join(out, 'a.txt'))).toEqual([
    ['tree', 1, 2, 3, 4],
    ['tree', 40, 30, 60, 39],
  ]);
});

test('annotations/ with a .json and no .xml is COCO; any .xml makes it VOC; an empty one is images only', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  fs.mkdirSync(path.join(root, 'annotations'));
  expect(await checkDataset(root)).toMatchObject({ layout: 'images', images: 1, labelled: 0, problems: [] });
  fs.writeFileSync(path.join(root, 'annotations', 'instances_train.json'), '{}');
  expect(await checkDataset(root)).toMatchObject({ layout: 'coco', images: 1, labelled: 0 });
  writeXml(root, 'a', vocXml([]));
  expect(await checkDataset(root)).toMatchObject({ layout: 'voc', images: 1, labelled: 1, problems: [] });
});

test('labels/ beside annotations/: the KITTI labels win; without classes any class is accepted', async () => {
  const root = tmp();
  writeRgbPng(path.join(root, 'images', 'a.png'), 50, 40);
  writeXml(root, 'a', vocXml([['Car', 1, 2, 3, 4]]));
  expect(await checkDataset(root)).toMatchObject({ layout: 'voc', labelled: 1, boxes: 1, problems: [] });
  expect((await checkDataset(root, { classes: ['tree', 'bush'] })).problems).toEqual([
    `${path.join(root, 'annotations', 'a.xml')}:3: unknown class "car" (annotation.classes: tree, bush)`,
  ]);
  fs.mkdirSync(path.join(root, 'labels'));
  fs.writeFileSync(path.join(root, 'labels', 'a.txt'), '');
  expect(await checkDataset(root)).toMatchObject({ layout: 'kitti', labelled: 1, boxes: 0, problems: [] });
});

test("real data: deepforest's OSBS_029 (61 trees) and SOAP_061 (Alive/Dead) as a VOC folder", async () => {
  const data = deepforestDataDir();
  const root = tmp();
  for (const name of ['OSBS_029', 'SOAP_061']) {
    fs.mkdirSync(path.join(root, 'images'), { recursive: true });
    fs.copyFileSync(path.join(data, `${name}.png`), path.join(root, 'images', `${name}.png`));
    writeXml(root, name, fs.readFileSync(path.join(data, `${name}.xml`), 'utf8'));
  }
  const out = path.join(tmp(), 'labels');
  const manifest = await ingestDataset(root, out, { classes: ['Tree', 'alive'] });
  // SOAP_061 holds 9 Alive and 28 Dead trees: the dead ones are not in classes
  expect(manifest.problems).toHaveLength(28);
  // each on the line of its <name>: the first Dead tree is the first <object>, its <name> on line 11
  expect(manifest.problems[0].line).toBe(11);
  expect(new Set(manifest.problems.map((p) => `${path.basename(p.file)}: ${p.message}`))).toEqual(
    new Set(['SOAP_061.xml: unknown class "dead" (annotation.classes: tree, alive)']),
  );
  expect(manifest.images.map((i) => [i.name, i.width, i.height, i.boxes])).toEqual([
    ['OSBS_029', 400, 400, 61],
    ['SOAP_061', 400, 400, 9],
  ]);
  const osbs = kittiBoxes(path.join(out, 'OSBS_029.txt'));
  expect(osbs).toHaveLength(61);
  // the first and last <object> of OSBS_029.xml, as written
  expect(osbs[0]).toEqual(['tree', 203, 67, 227, 90]);
  expect(osbs[60]).toEqual(['tree', 220, 208, 251, 244]);
  expect(new Set(kittiBoxes(path.join(out, 'SOAP_061.txt')).map((b) => b[0]))).toEqual(new Set(['alive']));
});
