import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeGreyPng, writeRgbPng } from '../../tests/helpers/png';
import { isImageFile, listImageFiles, readImageSize, readImages } from './images';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-images-'));

/** A JPEG header as cameras write it: SOI, a JFIF APP0 segment, a baseline SOF0 frame (height, width). */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  ]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

test('png, jpg and jpeg in any case; other files and folders ignored; sorted by name', async () => {
  const dir = tmp();
  writeRgbPng(path.join(dir, 'b.png'), 4, 3);
  fs.writeFileSync(path.join(dir, 'a.JPG'), jpegHeader(640, 480));
  fs.writeFileSync(path.join(dir, 'c.jpeg'), jpegHeader(20, 10));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
  fs.writeFileSync(path.join(dir, 'd.gif'), 'GIF89a');
  fs.mkdirSync(path.join(dir, 'sub.png'));
  expect((await listImageFiles(dir)).map((f) => path.basename(f))).toEqual(['a.JPG', 'b.png', 'c.jpeg']);
  const { images, problems } = await readImages(dir);
  expect(problems).toEqual([]);
  expect(images).toEqual([
    { name: 'a', file: path.join(dir, 'a.JPG'), width: 640, height: 480 },
    { name: 'b', file: path.join(dir, 'b.png'), width: 4, height: 3 },
    { name: 'c', file: path.join(dir, 'c.jpeg'), width: 20, height: 10 },
  ]);
  expect(isImageFile('x/Y.PnG')).toBe(true);
  expect(isImageFile('x.png.txt')).toBe(false);
});

test('a corrupt or empty image is a problem, not a throw; the rest are still read', async () => {
  const dir = tmp();
  writeGreyPng(path.join(dir, 'good.png'), 5, 7, () => 0);
  fs.writeFileSync(path.join(dir, 'bad.jpg'), 'this is no jpeg');
  fs.writeFileSync(path.join(dir, 'empty.png'), '');
  const { images, problems } = await readImages(dir);
  expect(images.map((i) => [i.name, i.width, i.height])).toEqual([['good', 5, 7]]);
  expect(problems.map((p) => [path.basename(p.file), p.message.split(':')[0]])).toEqual([
    ['bad.jpg', 'unreadable image'],
    ['empty.png', 'unreadable image'],
  ]);
  expect(await readImageSize(path.join(dir, 'missing.png'))).toEqual({
    file: path.join(dir, 'missing.png'),
    message: expect.stringContaining('unreadable image'),
  });
});

test('two images with one base name: the first (by file name) is kept, the other reported', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'x.jpg'), jpegHeader(8, 8));
  writeRgbPng(path.join(dir, 'x.png'), 4, 4);
  const { images, problems } = await readImages(dir);
  expect(images.map((i) => path.basename(i.file))).toEqual(['x.jpg']);
  expect(problems).toEqual([{ file: path.join(dir, 'x.png'), message: expect.stringContaining('same name as x.jpg') }]);
});

test('a JPEG whose metadata runs past the first read (64 KiB) is read whole', async () => {
  const dir = tmp();
  const header = jpegHeader(33, 22);
  // ten 64 KiB APP2 segments between the APP0 segment and the frame header
  const app2 = Buffer.alloc(65535 + 2, 0x20);
  app2.writeUInt16BE(0xffe2, 0);
  app2.writeUInt16BE(65535, 2);
  const file = path.join(dir, 'big.jpg');
  fs.writeFileSync(
    file,
    Buffer.concat([header.subarray(0, 20), ...Array.from({ length: 10 }, () => app2), header.subarray(20)]),
  );
  expect(fs.statSync(file).size).toBeGreaterThan(512 * 1024);
  expect(await readImageSize(file)).toEqual({ width: 33, height: 22 });
});

test('a missing folder throws', async () => {
  await expect(readImages(path.join(tmp(), 'nope'))).rejects.toThrow('ENOENT');
});
