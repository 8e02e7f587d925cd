// Validates people's KITTI labels for a batch before anything is imported: every problem is reported
// with file and line, so one rejection tells the annotator all there is to fix.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { boxOutsideImage, parseKitti, type Box } from '../formats/kitti';
import type { Problem } from '../formats/problem';

export interface ExpectedImage {
  name: string;
  width: number;
  height: number;
}

export interface AnnotationValidation {
  ok: boolean;
  problems: Problem[];
  /** Parsed boxes per image name (complete only when ok). */
  labels: Record<string, Box[]>;
}

export async function validateAnnotations(labelsDir: string, expected: ExpectedImage[]): Promise<AnnotationValidation> {
  const problems: Problem[] = [];
  const labels: Record<string, Box[]> = {};
  const wanted = new Map(expected.map((e) => [e.name, e]));
  const present = (await fs.readdir(labelsDir)).filter((f) => f.endsWith('.txt')).sort();
  for (const fileName of present) {
    const name = fileName.slice(0, -'.txt'.length);
    const file = path.join(labelsDir, fileName);
    const image = wanted.get(name);
    if (!image) {
      problems.push({ file, message: `unknown image: ${name} is not in this batch` });
      continue;
    }
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
      if (boxOutsideImage(box, image.width, image.height)) {
        problems.push({ file, line: parsed.lines[i], message: `box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image` });
      }
    });
    labels[name] = parsed.boxes;
  }
  for (const e of expected) {
    if (!(e.name in labels) && !present.includes(`${e.name}.txt`)) {
      problems.push({ file: path.join(labelsDir, `${e.name}.txt`), message: `missing label file for batch image ${e.name} (an image without apples needs an empty file)` });
    }
  }
  return { ok: problems.length === 0, problems, labels };
}
