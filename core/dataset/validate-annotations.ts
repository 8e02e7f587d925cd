// Validates people's KITTI labels for a batch before anything is imported: every problem is reported
// with file and line, so one rejection tells the annotator all there is to fix. Nothing here throws for
// bad data (a missing folder included): the caller keeps waiting for a corrected submission.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { boxOutsideImage, parseKitti, type Box } from '../formats/kitti';
import type { Problem } from '../formats/problem';

export interface ExpectedImage {
  name: string;
  width: number;
  height: number;
}

export interface ValidateOptions {
  /** Allowed class names, compared case-insensitively (TAO lowercases them); any class when absent. */
  classes?: readonly string[];
}

export interface AnnotationValidation {
  ok: boolean;
  problems: Problem[];
  /** Parsed boxes per image name (complete only when ok). */
  labels: Record<string, Box[]>;
}

/**
 * Checks `labelsDir` (one `<image name>.txt` per batch image; an empty file means no objects) against
 * the batch: label files for images not in the batch, batch images without a label file, malformed
 * lines, boxes outside their image (0.5 px tolerance) and, with `classes`, unknown classes.
 */
export async function validateAnnotations(
  labelsDir: string,
  expected: readonly ExpectedImage[],
  options: ValidateOptions = {},
): Promise<AnnotationValidation> {
  const problems: Problem[] = [];
  const labels: Record<string, Box[]> = {};
  let entries: string[];
  try {
    entries = await fs.readdir(labelsDir);
  } catch (err) {
    return {
      ok: false,
      problems: [{ file: labelsDir, message: `cannot read the labels folder: ${(err as Error).message}` }],
      labels,
    };
  }
  const wanted = new Map(expected.map((e) => [e.name, e]));
  const allowed = options.classes ? new Set(options.classes.map((c) => c.toLowerCase())) : null;
  const present = new Set<string>();
  for (const fileName of entries.filter((f) => f.toLowerCase().endsWith('.txt')).sort()) {
    const name = fileName.slice(0, -'.txt'.length);
    const file = path.join(labelsDir, fileName);
    const image = wanted.get(name);
    if (!image) {
      problems.push({ file, message: `unknown image: ${name} is not in this batch` });
      continue;
    }
    if (present.has(name)) {
      problems.push({ file, message: `a second label file for ${name}` });
      continue;
    }
    present.add(name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      problems.push({ file, message: `unreadable: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseKitti(text, file);
    problems.push(...parsed.problems);
    parsed.boxes.forEach((box, i) => {
      const line = parsed.lines[i];
      if (boxOutsideImage(box, image.width, image.height)) {
        problems.push({
          file,
          line,
          message: `box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image`,
        });
      }
      if (allowed && !allowed.has(box.cls.toLowerCase())) {
        problems.push({ file, line, message: `unknown class "${box.cls}" (expected ${[...allowed].join(', ')})` });
      }
    });
    labels[name] = parsed.boxes;
  }
  for (const e of expected) {
    if (!present.has(e.name)) {
      problems.push({
        file: path.join(labelsDir, `${e.name}.txt`),
        message: `missing label file for batch image ${e.name} (an image without objects needs an empty file)`,
      });
    }
  }
  return { ok: problems.length === 0, problems, labels };
}
