// Ingests a dataset folder in one of the layouts pomona reads, so everything downstream speaks KITTI:
//   minneapple: images/ + masks/  (instance-id PNG masks, converted to KITTI labels of class `apple`)
//   kitti:      images/ + labels/ (<name>.txt, 15 fields)
//   yolo:       images/ + labels/ with a classes.txt (or obj.names) in labels/ or beside images/
//               (<name>.txt, `CLASS_INDEX cx cy w h` as fractions; converted to KITTI labels)
//   voc:        images/ + annotations/ holding .xml files (<name>.xml, Pascal VOC; converted to KITTI
//               labels, classes lowercased)
//   coco:       images/ + annotations/ holding one .json file (COCO detection; converted to KITTI labels)
//   images:     images/ alone, or a flat folder of images (unlabelled)
// When images/ has more than one of masks/, labels/, annotations/ beside it, the first in that order wins
// (masks are the original annotation; labels/ before annotations/ keeps what existing KITTI datasets read).
// Images, masks and labels are tied by base name (a.png <-> a.txt, a.xml). Data problems are collected,
// never thrown; only a missing folder throws. With `classes`, boxes of other classes are problems too.
import { z } from 'zod';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write';
import { boxOutsideImage, formatKittiFile, parseKitti, type Box } from '../formats/kitti';
import { isImageFile, listImageFiles, readImages, type ImageFile } from '../formats/images';
import { readMaskInstances } from '../formats/minneapple-masks';
import { cocoSizeMismatch, parseCocoLabels } from '../formats/coco-labels';
import { parseVoc } from '../formats/pascal-voc';
import { parseYolo, parseYoloClasses, YOLO_CLASS_FILES } from '../formats/yolo-labels';
import { formatProblem, type Problem } from '../formats/problem';

export const datasetLayout = z.enum(['minneapple', 'kitti', 'yolo', 'voc', 'coco', 'images']);
export type DatasetLayout = z.infer<typeof datasetLayout>;
type AnnotatedLayout = Exclude<DatasetLayout, 'images'>;

/** What one annotation file is called in messages, per layout. */
const ANNOTATION_FILE: Record<AnnotatedLayout, string> = {
  minneapple: 'mask',
  kitti: 'label file',
  yolo: 'label file',
  voc: 'annotation file (.xml)',
  coco: 'entry in the COCO file',
};

export interface IngestOptions {
  /**
   * Class names the loop works with (`annotation.classes`), compared case-insensitively; any class when
   * absent. A box of another class is a problem; VOC leaves it out of the labels it writes, KITTI labels
   * are used in place, so there it stays. MinneApple's class is fixed (`apple`) and not checked.
   */
  classes?: readonly string[];
}

/** Class written for every MinneApple instance. */
export const MINNEAPPLE_CLASS = 'apple';

export interface ManifestEntry extends ImageFile {
  /** Absolute path of this image's KITTI ground truth, when the dataset has it. */
  labels?: string;
  /** Number of ground-truth boxes, when the image has an annotation that could be read. */
  boxes?: number;
}

export interface Manifest {
  layout: DatasetLayout;
  root: string;
  images: ManifestEntry[];
  problems: Problem[];
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isDirectory() ?? false;
}

export interface DetectedLayout {
  layout: DatasetLayout;
  imagesDir: string;
  /** masks/ (minneapple), labels/ (kitti, yolo) or annotations/ (voc, coco). */
  annotationsDir?: string;
  /** yolo: the class names file; coco: the annotation file. */
  file?: string;
}

const isAnnotationFile: Record<AnnotatedLayout, (file: string) => boolean> = {
  minneapple: isImageFile,
  kitti: (f) => f.toLowerCase().endsWith('.txt'),
  yolo: (f) => f.toLowerCase().endsWith('.txt') && !YOLO_CLASS_FILES.includes(f),
  voc: (f) => f.toLowerCase().endsWith('.xml'),
  coco: (f) => f.toLowerCase().endsWith('.json'),
};

export async function detectLayout(dir: string): Promise<DetectedLayout> {
  if (!(await isDir(dir)))
    throw new Error(
      `${dir}: not a folder (a dataset is images/ with masks/, labels/ or annotations/, or a folder of images)`,
    );
  const imagesDir = path.join(dir, 'images');
  if (!(await isDir(imagesDir))) return { layout: 'images', imagesDir: dir };
  if (await isDir(path.join(dir, 'masks')))
    return { layout: 'minneapple', imagesDir, annotationsDir: path.join(dir, 'masks') };
  const labelsDir = path.join(dir, 'labels');
  if (await isDir(labelsDir)) {
    for (const folder of [labelsDir, dir])
      for (const name of YOLO_CLASS_FILES) {
        const file = path.join(folder, name);
        if (await fs.stat(file).catch(() => null))
          return { layout: 'yolo', imagesDir, annotationsDir: labelsDir, file };
      }
    return { layout: 'kitti', imagesDir, annotationsDir: labelsDir };
  }
  const annotationsDir = path.join(dir, 'annotations');
  const annotationFiles = (await isDir(annotationsDir)) ? (await fs.readdir(annotationsDir)).sort() : [];
  if (annotationFiles.some(isAnnotationFile.voc)) return { layout: 'voc', imagesDir, annotationsDir };
  const json = annotationFiles.find(isAnnotationFile.coco);
  if (json) return { layout: 'coco', imagesDir, annotationsDir, file: path.join(annotationsDir, json) };
  return { layout: 'images', imagesDir };
}

export interface ReadDataset {
  manifest: Manifest;
  /** Ground-truth boxes per image name, for images whose annotation could be read. */
  boxes: Map<string, Box[]>;
}

const stem = (file: string) => path.basename(file, path.extname(file));

async function readText(file: string, layout: AnnotatedLayout, problems: Problem[]): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    problems.push({ file, message: `unreadable ${ANNOTATION_FILE[layout]}: ${(err as Error).message}` });
    return null;
  }
}

/**
 * Boxes outside the image and, with `allowed`, of unknown classes, as problems on the box's line (or its
 * class's, where that is another); returns the known-class boxes.
 */
function checkBoxes(
  file: string,
  boxes: Box[],
  lines: number[],
  image: ImageFile,
  allowed: Set<string> | null,
  problems: Problem[],
  classLines = lines,
): Box[] {
  return boxes.filter((box, i) => {
    if (boxOutsideImage(box, image.width, image.height)) {
      problems.push({
        file,
        line: lines[i],
        message: `box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image`,
      });
    }
    if (allowed && !allowed.has(box.cls.toLowerCase())) {
      problems.push({
        file,
        line: classLines[i],
        message: `unknown class "${box.cls}" (annotation.classes: ${[...allowed].join(', ')})`,
      });
      return false;
    }
    return true;
  });
}

/** Reads the annotation of one image; null when it cannot be used (its problems are recorded). */
async function readAnnotation(
  layout: Exclude<AnnotatedLayout, 'coco'>,
  file: string,
  image: ImageFile,
  allowed: Set<string> | null,
  problems: Problem[],
  yoloClasses: readonly string[],
): Promise<Box[] | null> {
  if (layout === 'kitti') {
    const text = await readText(file, layout, problems);
    if (text === null) return null;
    const parsed = parseKitti(text, file);
    problems.push(...parsed.problems);
    checkBoxes(file, parsed.boxes, parsed.lines, image, allowed, problems);
    // Used in place: a box of an unknown class is reported but stays in the file, so it is counted.
    return parsed.boxes;
  }
  if (layout === 'yolo') {
    const text = await readText(file, layout, problems);
    if (text === null) return null;
    const parsed = parseYolo(text, file, yoloClasses, image.width, image.height);
    problems.push(...parsed.problems);
    return checkBoxes(file, parsed.boxes, parsed.lines, image, allowed, problems);
  }
  if (layout === 'voc') {
    const text = await readText(file, layout, problems);
    if (text === null) return null;
    const parsed = parseVoc(text, file);
    problems.push(...parsed.problems);
    if (!parsed.readable) return null;
    // Boxes are checked against the image's real size (from its header); <size> is only compared.
    const size = parsed.size;
    if (size && (size.width !== image.width || size.height !== image.height)) {
      problems.push({
        file,
        line: size.line,
        message: `<size> says ${size.width}x${size.height} but the image is ${image.width}x${image.height}`,
      });
    }
    return checkBoxes(file, parsed.boxes, parsed.lines, image, allowed, problems, parsed.nameLines);
  }
  const mask = await readMaskInstances(file, MINNEAPPLE_CLASS);
  problems.push(...mask.problems);
  if (mask.width === 0) return null;
  if (mask.width !== image.width || mask.height !== image.height) {
    problems.push({
      file,
      message: `mask is ${mask.width}x${mask.height} but its image is ${image.width}x${image.height}`,
    });
    return null;
  }
  return mask.boxes.map(({ cls, x1, y1, x2, y2 }) => ({ cls, x1, y1, x2, y2 }));
}

/** The manifest and the usable boxes per image (known classes only); writes KITTI files only with `outLabelsDir`. */
export async function readDataset(
  dir: string,
  outLabelsDir: string | undefined,
  options: IngestOptions,
): Promise<ReadDataset> {
  const root = path.resolve(dir);
  const detected = await detectLayout(root);
  const { layout, imagesDir, annotationsDir } = detected;
  const { images, problems } = await readImages(imagesDir);
  const entries: ManifestEntry[] = images.map((i) => ({ ...i }));
  const boxes = new Map<string, Box[]>();
  if (entries.length === 0 && problems.length === 0)
    problems.push({ file: imagesDir, message: 'no images (.png, .jpg, .jpeg) found' });
  if (layout === 'images' || !annotationsDir) return { manifest: { layout, root, images: entries, problems }, boxes };

  const allowed = options.classes ? new Set(options.classes.map((c) => c.toLowerCase())) : null;
  const byName = new Map(entries.map((e) => [e.name, e]));
  // Names of every image file, readable or not: an unreadable image is already reported once.
  const imageNames = new Set((await listImageFiles(imagesDir)).map(stem));
  const annotated = new Set<string>();
  /** Records an image's usable boxes, as a KITTI file of pomona's own unless the dataset's are KITTI. */
  const keep = async (image: ManifestEntry, found: Box[], file: string) => {
    if (layout === 'kitti') image.labels = file;
    else if (outLabelsDir) {
      image.labels = path.join(path.resolve(outLabelsDir), `${image.name}.txt`);
      await writeFileAtomic(image.labels, formatKittiFile(found));
    }
    image.boxes = found.length;
    boxes.set(image.name, found);
  };
  if (layout === 'coco') {
    const file = detected.file!;
    const others = (await fs.readdir(annotationsDir))
      .filter(isAnnotationFile.coco)
      .map((f) => path.join(annotationsDir, f));
    if (others.length > 1)
      problems.push({
        file: annotationsDir,
        message: `one COCO file at a time: using ${path.basename(file)}, not ${others
          .filter((f) => f !== file)
          .map((f) => path.basename(f))
          .join(', ')}`,
      });
    const text = await readText(file, layout, problems);
    const parsed = text === null ? { images: [], problems: [] } : parseCocoLabels(text, file);
    problems.push(...parsed.problems);
    for (const img of parsed.images) {
      const image = byName.get(img.name);
      if (annotated.has(img.name)) {
        problems.push({ file, message: `a second entry in "images" for ${img.name}; ignored` });
        continue;
      }
      annotated.add(img.name);
      if (!image) {
        if (!imageNames.has(img.name)) problems.push({ file, message: `no image named ${img.name} in ${imagesDir}` });
        continue;
      }
      const mismatch = cocoSizeMismatch(img, image);
      if (mismatch) problems.push({ file, message: mismatch });
      const kept = img.boxes.filter((box, i) => {
        const at = img.elements[i];
        if (boxOutsideImage(box, image.width, image.height))
          problems.push({
            file,
            message: `${at}: box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image`,
          });
        if (allowed && !allowed.has(box.cls.toLowerCase())) {
          problems.push({
            file,
            message: `${at}: unknown class "${box.cls}" (annotation.classes: ${[...allowed].join(', ')})`,
          });
          return false;
        }
        return true;
      });
      await keep(image, kept, file);
    }
  }
  const yoloClasses =
    layout === 'yolo' ? parseYoloClasses((await readText(detected.file!, layout, problems)) ?? '') : [];
  const annotationFiles =
    layout === 'coco' ? [] : (await fs.readdir(annotationsDir)).filter(isAnnotationFile[layout]).sort();
  for (const fileName of annotationFiles) {
    const name = stem(fileName);
    const file = path.join(annotationsDir, fileName);
    if (annotated.has(name)) {
      problems.push({ file, message: `a second ${ANNOTATION_FILE[layout]} for image ${name}; ignored` });
      continue;
    }
    annotated.add(name);
    const image = byName.get(name);
    if (!image) {
      if (!imageNames.has(name)) problems.push({ file, message: `no image named ${name} in ${imagesDir}` });
      continue;
    }
    const found = await readAnnotation(
      layout as Exclude<AnnotatedLayout, 'coco'>,
      file,
      image,
      allowed,
      problems,
      yoloClasses,
    );
    if (found) await keep(image, found, file);
  }
  for (const image of entries) {
    if (!annotated.has(image.name))
      problems.push({ file: image.file, message: `no ${ANNOTATION_FILE[layout]} for this image` });
  }
  return { manifest: { layout, root, images: entries, problems }, boxes };
}

/**
 * Reads a dataset. For MinneApple and Pascal VOC, masks and XML files become KITTI files in
 * `outLabelsDir`, each written atomically; without it (a dry check) nothing is written and `labels`
 * stays unset for their images.
 */
export async function ingestDataset(
  dir: string,
  outLabelsDir?: string,
  options: IngestOptions = {},
): Promise<Manifest> {
  return (await readDataset(dir, outLabelsDir, options)).manifest;
}

export interface DatasetReport {
  root: string;
  layout: DatasetLayout;
  images: number;
  /** Images whose annotation could be read (an empty one counts: an image without apples). */
  labelled: number;
  boxes: number;
  boxesPerImage: { min: number; median: number; max: number } | null;
  /** Median box width and height in pixels, over all boxes. */
  boxSize: { medianWidth: number; medianHeight: number } | null;
  /** Every problem, as `file[:line]: message`. */
  problems: string[];
}

/** The middle value, or the mean of the two middle values of an even count; 0 for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Counts and every problem, without writing anything. */
export async function checkDataset(dir: string, options: IngestOptions = {}): Promise<DatasetReport> {
  const { manifest, boxes } = await readDataset(dir, undefined, options);
  const counts = [...boxes.values()].map((b) => b.length);
  const all = [...boxes.values()].flat();
  return {
    root: manifest.root,
    layout: manifest.layout,
    images: manifest.images.length,
    labelled: counts.length,
    boxes: all.length,
    boxesPerImage: counts.length
      ? {
          min: counts.reduce((a, b) => Math.min(a, b)),
          median: median(counts),
          max: counts.reduce((a, b) => Math.max(a, b)),
        }
      : null,
    boxSize: all.length
      ? { medianWidth: median(all.map((b) => b.x2 - b.x1)), medianHeight: median(all.map((b) => b.y2 - b.y1)) }
      : null,
    problems: manifest.problems.map(formatProblem),
  };
}
