// Validates people's labels for a batch before anything is imported: every problem is reported with file
// and line (or element), so one rejection tells the annotator all there is to fix. Nothing here throws for
// bad data (a missing folder included): the caller keeps waiting for a corrected submission. A folder holds
// one of four formats, told by its files: YOLO (a classes.txt or obj.names beside `<image>.txt` files),
// Pascal VOC (`<image>.xml`), COCO (one `.json` file), else KITTI (`<image>.txt`).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { cocoSizeMismatch, parseCocoLabels } from '../formats/coco-labels';
import { boxOutsideImage, parseKitti, type Box } from '../formats/kitti';
import { parseVoc } from '../formats/pascal-voc';
import { parseYolo, parseYoloClasses, YOLO_CLASS_FILES } from '../formats/yolo-labels';
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
  const format = submissionFormat(entries);
  const cocoFile = format.kind === 'coco' ? path.join(labelsDir, format.file) : '';
  const missingFile = (name: string) =>
    format.kind === 'coco' ? cocoFile : path.join(labelsDir, `${name}.${format.kind === 'voc' ? 'xml' : 'txt'}`);

  /** One image's boxes as read: checked against the batch, its image and the classes. */
  const check = (name: string, file: string, boxes: Box[], where: { line?: number; element?: string }[]) => {
    const image = wanted.get(name);
    if (!image) return problems.push({ file, message: `unknown image: ${name} is not in this batch` });
    if (present.has(name)) return problems.push({ file, message: `a second set of labels for ${name}` });
    present.add(name);
    boxes.forEach((box, i) => {
      const { line, element } = where[i] ?? {};
      const at = (message: string) =>
        problems.push({ file, ...(line ? { line } : {}), message: element ? `${element}: ${message}` : message });
      if (boxOutsideImage(box, image.width, image.height))
        at(`box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image`);
      if (allowed && !allowed.has(box.cls.toLowerCase()))
        at(`unknown class "${box.cls}" (expected ${[...allowed].join(', ')})`);
    });
    labels[name] = boxes;
  };
  const read = async (file: string): Promise<string | null> =>
    fs.readFile(file, 'utf8').catch((err: Error) => {
      problems.push({ file, message: `unreadable: ${err.message}` });
      return null;
    });

  if (format.kind === 'coco') {
    if (format.others.length)
      problems.push({ file: labelsDir, message: `one COCO file at a time: also found ${format.others.join(', ')}` });
    const text = await read(cocoFile);
    if (text !== null) {
      const parsed = parseCocoLabels(text, cocoFile);
      problems.push(...parsed.problems);
      for (const img of parsed.images) {
        const image = wanted.get(img.name);
        const mismatch = image && cocoSizeMismatch(img, image);
        if (mismatch) problems.push({ file: cocoFile, message: mismatch });
        check(
          img.name,
          cocoFile,
          img.boxes,
          img.elements.map((element) => ({ element })),
        );
      }
    }
  } else {
    const classes = format.kind === 'yolo' ? await read(path.join(labelsDir, format.classFile)) : null;
    const yoloClasses = classes === null ? [] : parseYoloClasses(classes);
    const extension = format.kind === 'voc' ? '.xml' : '.txt';
    const files = entries.filter(
      (f) => f.toLowerCase().endsWith(extension) && !(format.kind === 'yolo' && f === format.classFile),
    );
    for (const fileName of files.sort()) {
      const name = fileName.slice(0, -extension.length);
      const file = path.join(labelsDir, fileName);
      const image = wanted.get(name);
      if (!image || present.has(name)) {
        check(name, file, [], []);
        continue;
      }
      const text = await read(file);
      if (text === null) {
        present.add(name); // unreadable, not missing
        continue;
      }
      const parsed =
        format.kind === 'voc'
          ? parseVoc(text, file)
          : format.kind === 'yolo'
            ? parseYolo(text, file, yoloClasses, image.width, image.height)
            : parseKitti(text, file);
      problems.push(...parsed.problems);
      check(
        name,
        file,
        parsed.boxes,
        parsed.lines.map((line) => ({ line })),
      );
    }
  }
  for (const e of expected) {
    if (!present.has(e.name)) {
      problems.push({
        file: missingFile(e.name),
        message:
          format.kind === 'coco'
            ? `no entry in "images" for batch image ${e.name} (an image without objects needs one, with no annotations)`
            : `missing label file for batch image ${e.name} (an image without objects needs ${format.kind === 'voc' ? 'a file without <object>' : 'an empty file'})`,
      });
    }
  }
  return { ok: problems.length === 0, problems, labels };
}

export type SubmissionFormat =
  | { kind: 'kitti' }
  | { kind: 'voc' }
  | { kind: 'yolo'; classFile: string }
  | { kind: 'coco'; file: string; others: string[] };

/** The format of a labels folder, told by its file names (see the top of this file). */
export function submissionFormat(entries: readonly string[]): SubmissionFormat {
  const classFile = YOLO_CLASS_FILES.find((f) => entries.includes(f));
  if (classFile) return { kind: 'yolo', classFile };
  if (entries.some((f) => f.toLowerCase().endsWith('.xml'))) return { kind: 'voc' };
  const json = entries.filter((f) => f.toLowerCase().endsWith('.json')).sort();
  if (json.length && !entries.some((f) => f.toLowerCase().endsWith('.txt')))
    return { kind: 'coco', file: json[0], others: json.slice(1) };
  return { kind: 'kitti' };
}
