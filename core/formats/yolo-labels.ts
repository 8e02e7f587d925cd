// YOLO (Darknet / Ultralytics) labels: one `<image>.txt` per image, one line per object
// `CLASS_INDEX cx cy w h`, the box's centre and size as fractions (0-1) of the image, and the class names
// in `classes.txt` (or `obj.names`), one per line, line i naming index i: the layout Label Studio, CVAT and
// LabelImg export. Boxes become pixel edges: x1 = (cx - w/2) * W, x2 = (cx + w/2) * W.
import { DECIMAL, type Box } from './kitti';
import type { Problem } from './problem';

/** The files that name a YOLO folder's classes, in the order they are looked for. */
export const YOLO_CLASS_FILES = ['classes.txt', 'obj.names'];

/** Class names, one per non-empty line (line order gives the index). */
export function parseYoloClasses(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export interface ParsedYolo {
  boxes: Box[];
  /** 1-based line of each box, parallel to `boxes`. */
  lines: number[];
  problems: Problem[];
}

/** Parses one YOLO label file for an image of `width` x `height` pixels; every bad line names `file:line`. */
export function parseYolo(
  text: string,
  file: string,
  classes: readonly string[],
  width: number,
  height: number,
): ParsedYolo {
  const out: ParsedYolo = { boxes: [], lines: [], problems: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = { file, line: index + 1 };
    const fields = line.split(/\s+/);
    if (fields.length !== 5) {
      out.problems.push({ ...at, message: `expected 5 fields (class cx cy w h), found ${fields.length}` });
      return;
    }
    if (!/^\d+$/.test(fields[0]) || Number(fields[0]) >= classes.length) {
      out.problems.push({
        ...at,
        message: `class index ${fields[0]} is not one of 0..${classes.length - 1} (the lines of the class names file)`,
      });
      return;
    }
    const bad = fields.slice(1).find((f) => !DECIMAL.test(f));
    if (bad !== undefined) {
      out.problems.push({ ...at, message: `"${bad}" is not a number` });
      return;
    }
    const [cx, cy, w, h] = fields.slice(1).map(Number);
    if (!(w > 0 && h > 0)) {
      out.problems.push({ ...at, message: `empty box (w ${w}, h ${h})` });
      return;
    }
    if ([cx, cy, w, h].some((v) => v > 1.5)) {
      out.problems.push({ ...at, message: 'values above 1: YOLO boxes are fractions of the image, not pixels' });
      return;
    }
    out.boxes.push({
      cls: classes[Number(fields[0])].toLowerCase(),
      x1: (cx - w / 2) * width,
      y1: (cy - h / 2) * height,
      x2: (cx + w / 2) * width,
      y2: (cy + h / 2) * height,
    });
    out.lines.push(index + 1);
  });
  return out;
}
