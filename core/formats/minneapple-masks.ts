// MinneApple detection masks: a PNG per image in which each apple is one instance id (0 = background).
// A box spans the instance's pixels in continuous pixel-edge coordinates: columns 10..19 give x1 = 10,
// x2 = 20. (MinneApple's own loader uses x2 = max_x without the +1 and drops 1-pixel-wide instances.)
import * as fs from 'node:fs/promises';
import { PNG } from 'pngjs';
import type { Box } from './kitti';
import type { Problem } from './problem';

export interface MaskInstances {
  width: number;
  height: number;
  /** One box per instance id, ascending ids. */
  boxes: (Box & { id: number; pixels: number })[];
  problems: Problem[];
}

/**
 * Decodes a mask PNG. Grey masks (8 or 16 bit) carry the id directly; for colour or palette masks pngjs
 * expands to RGBA and the id is taken as the packed RGB value, so each distinct colour is one instance.
 */
export async function readMaskInstances(file: string, cls = 'apple'): Promise<MaskInstances> {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(await fs.readFile(file), { skipRescale: true });
  } catch (err) {
    return { width: 0, height: 0, boxes: [], problems: [{ file, message: `unreadable mask: ${(err as Error).message}` }] };
  }
  const { width, height } = png;
  // RGBA samples: a Buffer, or a Uint16Array for 16-bit PNGs read with skipRescale.
  const data = png.data as unknown as ArrayLike<number>;
  const grey = png.colorType === 0 || png.colorType === 4;
  const base = png.data instanceof Uint16Array ? 65536 : 256;
  const bounds = new Map<number, { x1: number; y1: number; x2: number; y2: number; pixels: number }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const id = grey ? data[p] : (data[p] * base + data[p + 1]) * base + data[p + 2];
      if (id === 0) continue;
      const b = bounds.get(id);
      if (!b) bounds.set(id, { x1: x, y1: y, x2: x + 1, y2: y + 1, pixels: 1 });
      else {
        if (x < b.x1) b.x1 = x;
        if (x + 1 > b.x2) b.x2 = x + 1;
        if (y + 1 > b.y2) b.y2 = y + 1;
        b.pixels++;
      }
    }
  }
  const boxes = [...bounds.entries()].sort((a, b) => a[0] - b[0]).map(([id, b]) => ({ cls, id, ...b }));
  const problems: Problem[] = boxes.length ? [] : [{ file, message: 'mask has no instances (all pixels 0)' }];
  return { width, height, boxes, problems };
}
