// MinneApple detection masks: a PNG per image in which each apple is one instance id (0 = background).
// A box spans the instance's pixels in continuous pixel-edge coordinates: an instance covering columns
// 10..19 gives x1 = 10, x2 = 20 (likewise rows). MinneApple's own loader uses x2 = max_x without the +1
// and drops 1-pixel-wide instances; pomona keeps every instance (docs/metrics.md).
import * as fs from 'node:fs/promises';
import { PNG, type PNGWithMetadata } from 'pngjs';
import type { Box } from './kitti';
import type { Problem } from './problem';

export interface MaskInstance extends Box {
  /** The instance id read from the mask (see readMaskInstances for colour masks). */
  id: number;
  /** Number of pixels carrying this id. */
  pixels: number;
}

export interface MaskInstances {
  width: number;
  height: number;
  /** One box per instance id, ascending ids. */
  boxes: MaskInstance[];
  problems: Problem[];
}

type Bounds = { x1: number; y1: number; x2: number; y2: number; pixels: number };

/**
 * Instance ids of a decoded PNG, one per pixel. pngjs hands every PNG over as RGBA samples (a Uint16Array
 * for 16-bit files read with skipRescale, so the ids keep their stored values at every bit depth).
 * The rule:
 * - grey (with or without alpha), 1 to 16 bit: the id is the grey value;
 * - RGB or palette (pngjs expands the palette to its colours): if every pixel has R = G = B, the id is
 *   that value (a grey mask saved as colour keeps its ids); otherwise the id is the packed colour
 *   (R * 2^(2d) + G * 2^d + B for bit depth d), so each distinct colour is one instance and black is
 *   background.
 * Alpha is ignored.
 */
function instanceIds(png: PNGWithMetadata): (index: number) => number {
  const data = png.data as unknown as ArrayLike<number>;
  // `color` is PNG's colour bit: unset for grey and grey+alpha, set for RGB, RGBA and palette.
  if (!png.color) return (i) => data[i * 4];
  const n = png.width * png.height;
  let allGrey = true;
  for (let i = 0; i < n * 4 && allGrey; i += 4) allGrey = data[i] === data[i + 1] && data[i] === data[i + 2];
  if (allGrey) return (i) => data[i * 4];
  const base = png.data instanceof Uint16Array ? 65536 : 256;
  return (i) => (data[i * 4] * base + data[i * 4 + 1]) * base + data[i * 4 + 2];
}

/** Boxes per instance of an already decoded mask. */
export function maskInstancesOf(png: PNGWithMetadata, cls = 'apple'): MaskInstance[] {
  const { width, height } = png;
  const idAt = instanceIds(png);
  const bounds = new Map<number, Bounds>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = idAt(y * width + x);
      if (id === 0) continue;
      const b = bounds.get(id);
      // Row-major scan: the first pixel seen fixes y1; x1, x2 and y2 can still grow.
      if (!b) bounds.set(id, { x1: x, y1: y, x2: x + 1, y2: y + 1, pixels: 1 });
      else {
        if (x < b.x1) b.x1 = x;
        if (x + 1 > b.x2) b.x2 = x + 1;
        b.y2 = y + 1;
        b.pixels++;
      }
    }
  }
  return [...bounds.entries()].sort((a, b) => a[0] - b[0]).map(([id, b]) => ({ cls, ...b, id }));
}

/** Decodes a mask PNG file; an unreadable file or a mask without instances is a problem, not a throw. */
export async function readMaskInstances(file: string, cls = 'apple'): Promise<MaskInstances> {
  let png: PNGWithMetadata;
  try {
    png = PNG.sync.read(await fs.readFile(file), { skipRescale: true });
  } catch (err) {
    return {
      width: 0,
      height: 0,
      boxes: [],
      problems: [{ file, message: `unreadable mask: ${(err as Error).message}` }],
    };
  }
  const boxes = maskInstancesOf(png, cls);
  const problems: Problem[] = boxes.length ? [] : [{ file, message: 'mask has no instances (all pixels 0)' }];
  return { width: png.width, height: png.height, boxes, problems };
}
