// KITTI object labels, as TLT/TAO read and write them (see shared/reference/tao-yolov4.md):
//   labels (15 fields):      class trunc occl alpha x1 y1 x2 y2 h w l x y z rot_y
//   predictions (16 fields): the same with the confidence appended last.
// Boxes are continuous pixel-edge coordinates: x2 and y2 are the exclusive right and bottom edges, so a
// box's width is x2 - x1 with no +1.
import type { Problem } from './problem';

export interface Box {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score?: number;
  /** Class probabilities of a prediction from a detector of several classes (`<image>.probs`, scores/). */
  probs?: number[];
}

export interface ParsedKitti {
  boxes: Box[];
  /** 1-based line of each box, parallel to `boxes`. */
  lines: number[];
  problems: Problem[];
}

/**
 * What a file is expected to hold:
 * - `label`: 15 fields; x1 < x2 and y1 < y2.
 * - `prediction`: 16 fields, score last; zero-size boxes are tolerated (a detector may clip a box to the
 *   image border until it is empty; such a box never matches anything), negative sizes are not.
 * - `either` (default): 15 or 16 fields, label rules for the box.
 */
export type KittiKind = 'label' | 'prediction' | 'either';

// Plain decimal numbers only: Number() alone would also accept '', '0x1f', 'Infinity'.
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** KITTI's marker for regions nobody labelled; skipped, as TAO and pomona's trainer do. */
const DONT_CARE = 'dontcare';

/** Parses one KITTI file's text; every bad line is a problem naming `file:line`, good lines still parse. */
export function parseKitti(text: string, file: string, kind: KittiKind = 'either'): ParsedKitti {
  const boxes: Box[] = [];
  const lines: number[] = [];
  const problems: Problem[] = [];
  const expected = kind === 'label' ? [15] : kind === 'prediction' ? [16] : [15, 16];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = { file, line: index + 1 };
    const fields = line.split(/\s+/);
    if (!expected.includes(fields.length)) {
      const wanted =
        kind === 'label'
          ? '15 fields'
          : kind === 'prediction'
            ? '16 fields (score last)'
            : '15 fields (16 with a score)';
      problems.push({ ...at, message: `expected ${wanted}, found ${fields.length}` });
      return;
    }
    const bad = fields.findIndex((f, i) => i > 0 && !DECIMAL.test(f));
    if (bad > 0) {
      problems.push({ ...at, message: `field ${bad + 1} is not a number: "${fields[bad]}"` });
      return;
    }
    const numbers = fields.slice(1).map(Number);
    const huge = numbers.findIndex((n) => !Number.isFinite(n));
    if (huge >= 0) {
      problems.push({ ...at, message: `field ${huge + 2} is not finite: "${fields[huge + 1]}"` });
      return;
    }
    if (fields[0].toLowerCase() === DONT_CARE) return;
    const [x1, y1, x2, y2] = numbers.slice(3, 7);
    const ok = kind === 'prediction' ? x2 >= x1 && y2 >= y1 : x2 > x1 && y2 > y1;
    if (!ok) {
      const rule = kind === 'prediction' ? 'x1 <= x2 and y1 <= y2' : 'x1 < x2 and y1 < y2';
      problems.push({ ...at, message: `empty box: x1=${x1} y1=${y1} x2=${x2} y2=${y2} (needs ${rule})` });
      return;
    }
    const box: Box = { cls: fields[0], x1, y1, x2, y2 };
    if (fields.length === 16) box.score = numbers[14];
    boxes.push(box);
    lines.push(index + 1);
  });
  return { boxes, lines, problems };
}

/**
 * Half a pixel of slack on every side: exporters that round edges (or write pixel-centre coordinates)
 * must not be rejected for it. A box is outside when x1 < -0.5, y1 < -0.5, x2 > w + 0.5 or y2 > h + 0.5.
 */
export const OUTSIDE_TOLERANCE_PX = 0.5;

export function boxOutsideImage(box: Box, width: number, height: number): boolean {
  const t = OUTSIDE_TOLERANCE_PX;
  return box.x1 < -t || box.y1 < -t || box.x2 > width + t || box.y2 > height + t;
}

function checkWritable(box: Box): void {
  if (!/^\S+$/.test(box.cls)) throw new Error(`KITTI class must be one word without spaces: "${box.cls}"`);
  for (const v of [box.x1, box.y1, box.x2, box.y2])
    if (!Number.isFinite(v)) throw new Error(`KITTI box has a non-finite coordinate: ${JSON.stringify(box)}`);
}

// Two decimals, as KITTI files (and TAO's inference output) are written; (-0).toFixed gives "0.00".
const coord = (v: number) => v.toFixed(2);

/** A 15-field label line (occlusion as the integer 0: TAO's loader parses it with int()). */
export function formatKittiLabel(box: Box): string {
  checkWritable(box);
  return `${box.cls} 0.00 0 0.00 ${coord(box.x1)} ${coord(box.y1)} ${coord(box.x2)} ${coord(box.y2)} 0.00 0.00 0.00 0.00 0.00 0.00 0.00`;
}

/** A 16-field prediction line, confidence last with 4 decimals (TAO's layout; a missing score is 1). */
export function formatKittiPrediction(box: Box): string {
  checkWritable(box);
  const score = box.score ?? 1;
  if (!Number.isFinite(score)) throw new Error(`KITTI prediction has a non-finite score: ${score}`);
  return `${box.cls} 0 0 0 ${coord(box.x1)} ${coord(box.y1)} ${coord(box.x2)} ${coord(box.y2)} 0 0 0 0 0 0 0 ${score.toFixed(4)}`;
}

/** A whole file: one line per box, newline-terminated; an empty string for no boxes. */
export function formatKittiFile(boxes: readonly Box[], kind: 'label' | 'prediction' = 'label'): string {
  const format = kind === 'label' ? formatKittiLabel : formatKittiPrediction;
  return boxes.map((b) => `${format(b)}\n`).join('');
}
