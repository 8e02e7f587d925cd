// KITTI object labels, as TLT/TAO read and write them (see shared/reference/tao-yolov4.md):
//   labels (15 fields):      class trunc occl alpha x1 y1 x2 y2 h w l x y z rot_y
//   predictions (16 fields): the same with the confidence appended last.
// Boxes are continuous pixel-edge coordinates (x2, y2 exclusive edges).
import type { Problem } from './problem';

export interface Box {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score?: number;
}

export interface ParsedKitti {
  boxes: Box[];
  /** 1-based line of each box, parallel to `boxes`. */
  lines: number[];
  problems: Problem[];
}

/** Parses one KITTI file's text; every bad line is a problem naming `file:line`, good lines still parse. */
export function parseKitti(text: string, file: string): ParsedKitti {
  const boxes: Box[] = [];
  const lines: number[] = [];
  const problems: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = { file, line: index + 1 };
    const fields = line.split(/\s+/);
    if (fields.length !== 15 && fields.length !== 16) {
      problems.push({ ...at, message: `expected 15 fields (16 with a score), found ${fields.length}` });
      return;
    }
    const numbers = fields.slice(1).map(Number);
    const bad = numbers.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) {
      problems.push({ ...at, message: `field ${bad + 2} is not a number: "${fields[bad + 1]}"` });
      return;
    }
    const [x1, y1, x2, y2] = numbers.slice(3, 7);
    if (!(x2 > x1 && y2 > y1)) {
      problems.push({ ...at, message: `empty box: x1=${x1} y1=${y1} x2=${x2} y2=${y2} (needs x1 < x2 and y1 < y2)` });
      return;
    }
    const box: Box = { cls: fields[0], x1, y1, x2, y2 };
    if (fields.length === 16) box.score = numbers[14];
    boxes.push(box);
    lines.push(index + 1);
  });
  return { boxes, lines, problems };
}

/** Half a pixel of slack: tools that round edges to pixel centres must not be rejected for it. */
export const OUTSIDE_TOLERANCE_PX = 0.5;

export function boxOutsideImage(box: Box, width: number, height: number): boolean {
  const t = OUTSIDE_TOLERANCE_PX;
  return box.x1 < -t || box.y1 < -t || box.x2 > width + t || box.y2 > height + t;
}

const num = (v: number) => (Number.isInteger(v) ? v.toFixed(2) : String(Math.round(v * 100) / 100));

/** A 15-field label line (occlusion as the integer 0, which TAO's loader requires). */
export function formatKittiLabel(box: Box): string {
  return `${box.cls} 0.00 0 0.00 ${num(box.x1)} ${num(box.y1)} ${num(box.x2)} ${num(box.y2)} 0.00 0.00 0.00 0.00 0.00 0.00 0.00`;
}

/** A 16-field prediction line, confidence last. */
export function formatKittiPrediction(box: Box): string {
  return `${box.cls} 0 0 0 ${num(box.x1)} ${num(box.y1)} ${num(box.x2)} ${num(box.y2)} 0 0 0 0 0 0 0 ${(box.score ?? 1).toFixed(4)}`;
}
