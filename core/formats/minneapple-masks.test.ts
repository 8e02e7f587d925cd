import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { writeGreyPng } from '../../tests/helpers/png';
import { readMaskInstances } from './minneapple-masks';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-masks-'));

/**
 * A minimal PNG encoder (filter 0 on every row), independent of pngjs, so the decoder is tested on bytes
 * laid out by the PNG spec: grey (type 0), RGB (type 2) or palette (type 3), 8 or 16 bit.
 */
function encodePng(
  width: number,
  height: number,
  colorType: 0 | 2 | 3,
  bitDepth: 8 | 16,
  samples: number[],
  palette?: number[][],
): Buffer {
  const channels = colorType === 2 ? 3 : 1;
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    for (let s = 0; s < width * channels; s++) {
      const v = samples[y * width * channels + s];
      const at = y * (rowBytes + 1) + 1 + s * bytesPerSample;
      if (bitDepth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', Buffer.from(palette.flat()))] : []),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function writePng(name: string, png: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, png);
  return file;
}

const grid = (width: number, height: number, value: (x: number, y: number) => number) =>
  Array.from({ length: width * height }, (_, i) => value(i % width, Math.floor(i / width)));

test('one box per instance id, continuous edges (columns 10..19 give x1 10, x2 20), sorted by id', async () => {
  const file = path.join(dir, 'a.png');
  writeGreyPng(file, 40, 30, (x, y) => (x >= 10 && x <= 19 && y >= 5 && y <= 8 ? 7 : x === 30 && y === 20 ? 3 : 0));
  const mask = await readMaskInstances(file);
  expect([mask.width, mask.height]).toEqual([40, 30]);
  expect(mask.problems).toEqual([]);
  expect(mask.boxes).toEqual([
    { cls: 'apple', id: 3, x1: 30, y1: 20, x2: 31, y2: 21, pixels: 1 },
    { cls: 'apple', id: 7, x1: 10, y1: 5, x2: 20, y2: 9, pixels: 40 },
  ]);
});

test('a non-convex instance: its leftmost pixel lies on a later row than its first', async () => {
  // id 5: (6,1) (7,1), then (2,3); id 2 in the corner
  const file = writePng(
    'shape.png',
    encodePng(
      8,
      5,
      0,
      8,
      grid(8, 5, (x, y) => ((y === 1 && x >= 6) || (y === 3 && x === 2) ? 5 : x === 0 && y === 0 ? 2 : 0)),
    ),
  );
  expect((await readMaskInstances(file, 'fruit')).boxes).toEqual([
    { cls: 'fruit', id: 2, x1: 0, y1: 0, x2: 1, y2: 1, pixels: 1 },
    { cls: 'fruit', id: 5, x1: 2, y1: 1, x2: 8, y2: 4, pixels: 3 },
  ]);
});

test('16-bit grey masks keep ids above 255 (no rescaling)', async () => {
  const file = writePng(
    'deep.png',
    encodePng(
      6,
      4,
      0,
      16,
      grid(6, 4, (x, y) => (x < 2 ? 300 : y === 3 ? 65535 : x === 4 && y === 0 ? 1 : 0)),
    ),
  );
  const mask = await readMaskInstances(file);
  expect(mask.boxes.map((b) => [b.id, b.x1, b.y1, b.x2, b.y2, b.pixels])).toEqual([
    [1, 4, 0, 5, 1, 1],
    [300, 0, 0, 2, 4, 8],
    [65535, 2, 3, 6, 4, 4],
  ]);
});

test('RGB masks: grey-valued colours keep their ids; other colours are one instance each', async () => {
  const greyish = writePng(
    'rgb-grey.png',
    encodePng(
      4,
      2,
      2,
      8,
      grid(4, 2, (x) => (x < 2 ? 9 : 0)).flatMap((v) => [v, v, v]),
    ),
  );
  expect((await readMaskInstances(greyish)).boxes.map((b) => [b.id, b.x1, b.x2])).toEqual([[9, 0, 2]]);
  const colours = [
    [0, 0, 0],
    [255, 0, 0],
    [0, 0, 1],
  ];
  const coloured = writePng(
    'rgb.png',
    encodePng(
      3,
      2,
      2,
      8,
      grid(3, 2, (x) => x).flatMap((c) => colours[c]),
    ),
  );
  // packed ids: (0,0,1) -> 1, (255,0,0) -> 255 * 65536
  expect((await readMaskInstances(coloured)).boxes.map((b) => [b.id, b.x1, b.x2, b.y2])).toEqual([
    [1, 2, 3, 2],
    [255 * 65536, 1, 2, 2],
  ]);
});

test('palette masks are read through their colours (a grey palette keeps the ids)', async () => {
  const greyPalette = Array.from({ length: 4 }, (_, i) => [i * 10, i * 10, i * 10]);
  const file = writePng('palette.png', encodePng(4, 1, 3, 8, [0, 1, 3, 3], greyPalette));
  expect((await readMaskInstances(file)).boxes.map((b) => [b.id, b.x1, b.x2])).toEqual([
    [10, 1, 2],
    [30, 2, 4],
  ]);
});

test('a mask with no instances and an unreadable file are problems, not crashes', async () => {
  const empty = path.join(dir, 'empty.png');
  writeGreyPng(empty, 8, 8, () => 0);
  expect(await readMaskInstances(empty)).toEqual({
    width: 8,
    height: 8,
    boxes: [],
    problems: [{ file: empty, message: 'mask has no instances (all pixels 0)' }],
  });
  const broken = path.join(dir, 'broken.png');
  fs.writeFileSync(broken, 'not a png');
  expect((await readMaskInstances(broken)).problems[0].message).toContain('unreadable mask');
  const truncated = path.join(dir, 'truncated.png');
  fs.writeFileSync(
    truncated,
    encodePng(
      8,
      8,
      0,
      8,
      grid(8, 8, () => 1),
    ).subarray(0, 40),
  );
  expect((await readMaskInstances(truncated)).problems[0].message).toContain('unreadable mask');
  expect((await readMaskInstances(path.join(dir, 'missing.png'))).problems[0].message).toContain('ENOENT');
});
