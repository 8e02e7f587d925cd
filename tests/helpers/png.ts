// Writes small PNGs (images and instance masks) for tests of the readers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

/** An 8-bit grey PNG whose pixel (x, y) is value(x, y). */
export function writeGreyPng(
  file: string,
  width: number,
  height: number,
  value: (x: number, y: number) => number,
): void {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data[y * width + x] = value(x, y);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false }));
}

export function writeRgbPng(file: string, width: number, height: number): void {
  const png = new PNG({ width, height });
  png.data.fill(128);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
}
