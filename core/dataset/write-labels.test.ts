import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { namesFromImageList, writeDatasetLabels } from './write-labels';

function png(file: string, width: number, height: number, paint?: (x: number, y: number) => number): void {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const v = paint ? paint(x, y) : 128;
      image.data[i] = image.data[i + 1] = image.data[i + 2] = v;
      image.data[i + 3] = 255;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(image));
}

/** A MinneApple-layout folder: images a, b, c; a has one instance, b two, c none. */
function minneapple(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-labels-'));
  const instances: Record<string, (x: number, y: number) => number> = {
    a: (x, y) => (x >= 2 && x < 6 && y >= 2 && y < 5 ? 1 : 0),
    b: (x, y) => (x < 3 && y < 3 ? 1 : x > 10 && y > 8 ? 2 : 0),
    c: () => 0,
  };
  for (const [name, mask] of Object.entries(instances)) {
    png(path.join(dir, 'images', `${name}.png`), 16, 12);
    png(path.join(dir, 'masks', `${name}.png`), 16, 12, mask);
  }
  return dir;
}

test('an image list gives names from paths or bare names', () => {
  expect(namesFromImageList('/w/rounds/1/annotate/images/000012.png\n\n  b.jpg \nc\n')).toEqual(['000012', 'b', 'c']);
});

test('writes one KITTI file per image of the dataset, or of the list', async () => {
  const dir = minneapple();
  const all = path.join(dir, 'all');
  expect(await writeDatasetLabels(dir, all)).toEqual({ files: 3, boxes: 3 });
  expect(fs.readdirSync(all).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
  expect(
    fs
      .readFileSync(path.join(all, 'a.txt'), 'utf8')
      .trim()
      .split(/\s+/)
      .slice(0, 8)
      .map((f, i) => (i ? Number(f) : f)),
  ).toEqual(['apple', 0, 0, 0, 2, 2, 6, 5]);
  expect(fs.readFileSync(path.join(all, 'c.txt'), 'utf8')).toBe('');
  const some = path.join(dir, 'some');
  expect(await writeDatasetLabels(dir, some, { names: ['b'] })).toEqual({ files: 1, boxes: 2 });
  expect(fs.readdirSync(some)).toEqual(['b.txt']);
});

test('refuses, writing nothing, for names not in the dataset and for a dataset without annotations', async () => {
  const dir = minneapple();
  const out = path.join(dir, 'out');
  await expect(writeDatasetLabels(dir, out, { names: ['a', 'zz'] })).rejects.toThrow(
    '1 listed image(s) not in the dataset: zz',
  );
  fs.rmSync(path.join(dir, 'masks'), { recursive: true });
  fs.rmSync(path.join(dir, 'images', 'b.png'));
  await expect(writeDatasetLabels(path.join(dir, 'images'), out)).rejects.toThrow('images only, no annotations');
  expect(fs.existsSync(out)).toBe(false);
});

test('an unreadable annotation of a listed image is named', async () => {
  const dir = minneapple();
  fs.writeFileSync(path.join(dir, 'masks', 'b.png'), 'not a png');
  await expect(writeDatasetLabels(dir, path.join(dir, 'out'), { names: ['a', 'b'] })).rejects.toThrow(
    /no labels for 1 listed image\(s\):\n {2}.*masks\/b\.png: /,
  );
  expect(await writeDatasetLabels(dir, path.join(dir, 'out'), { names: ['a'] })).toEqual({ files: 1, boxes: 1 });
});

/** A KITTI-layout folder: a (apple and pear), b (a box past the image's right edge). */
function kitti(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'write-labels-kitti-'));
  png(path.join(dir, 'images', 'a.png'), 16, 12);
  png(path.join(dir, 'images', 'b.png'), 16, 12);
  fs.mkdirSync(path.join(dir, 'labels'));
  fs.writeFileSync(
    path.join(dir, 'labels', 'a.txt'),
    'apple 0 0 0 1 1 5 5 0 0 0 0 0 0 0\npear 0 0 0 6 6 9 9 0 0 0 0 0 0 0\n',
  );
  fs.writeFileSync(path.join(dir, 'labels', 'b.txt'), 'apple 0 0 0 10 2 30 6 0 0 0 0 0 0 0\n');
  return dir;
}

test('KITTI labels are rewritten, not copied: other classes left out, a box a loop would reject refused', async () => {
  const dir = kitti();
  const out = path.join(dir, 'out');
  expect(await writeDatasetLabels(dir, out, { names: ['a'], classes: ['apple'] })).toEqual({ files: 1, boxes: 1 });
  expect(
    fs
      .readFileSync(path.join(out, 'a.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]),
  ).toEqual(['apple']);
  const again = path.join(dir, 'again');
  await expect(writeDatasetLabels(dir, again, { names: ['b'] })).rejects.toThrow(
    /labels would be rejected by a loop:\n {2}.*images\/b\.png: box 10,2,30,6 lies outside the 16x12 image/,
  );
  expect(fs.existsSync(again)).toBe(false);
  expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
});

test('a folder that holds files already is refused: they would be submitted with the batch', async () => {
  const dir = kitti();
  await expect(writeDatasetLabels(dir, path.join(dir, 'labels'), { names: ['a'] })).rejects.toThrow(
    'not empty (2 entries)',
  );
  expect(namesFromImageList('a\n/x/images/a.png\nb\n')).toEqual(['a', 'b']);
});
