// Ingests a dataset folder in one of the layouts pomona reads, so everything downstream speaks KITTI:
//   minneapple: images/ + masks/  (instance-id PNG masks, converted to KITTI labels)
//   kitti:      images/ + labels/ (<name>.txt, 15 fields)
//   images:     images/ alone, or a flat folder of images (unlabelled)
// Data problems are collected, never thrown; only a missing folder throws.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write';
import { boxOutsideImage, formatKittiLabel, parseKitti, type Box } from '../formats/kitti';
import { isImageFile, readImages, type ImageFile } from '../formats/images';
import { readMaskInstances } from '../formats/minneapple-masks';
import { formatProblem, type Problem } from '../formats/problem';

export type DatasetLayout = 'minneapple' | 'kitti' | 'images';

export interface ManifestEntry extends ImageFile {
  /** KITTI ground truth for this image, when the dataset has it. */
  labels?: string;
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

export async function detectLayout(dir: string): Promise<{ layout: DatasetLayout; imagesDir: string; annotationsDir?: string }> {
  if (!(await isDir(dir))) throw new Error(`${dir}: not a folder`);
  const imagesDir = path.join(dir, 'images');
  if (!(await isDir(imagesDir))) return { layout: 'images', imagesDir: dir };
  if (await isDir(path.join(dir, 'masks'))) return { layout: 'minneapple', imagesDir, annotationsDir: path.join(dir, 'masks') };
  if (await isDir(path.join(dir, 'labels'))) return { layout: 'kitti', imagesDir, annotationsDir: path.join(dir, 'labels') };
  return { layout: 'images', imagesDir };
}

/**
 * Reads a dataset. For MinneApple, masks become KITTI files (class `apple`) in `outLabelsDir`; without
 * it (a dry check) nothing is written and `labels` stays unset for MinneApple images.
 */
export async function ingestDataset(dir: string, outLabelsDir?: string): Promise<Manifest> {
  const root = path.resolve(dir);
  const { layout, imagesDir, annotationsDir } = await detectLayout(root);
  const { images, problems } = await readImages(imagesDir);
  const entries: ManifestEntry[] = images.map((i) => ({ ...i }));
  if (layout === 'images' || !annotationsDir) {
    if (entries.length === 0) problems.push({ file: imagesDir, message: 'no images (.png, .jpg, .jpeg) found' });
    return { layout, root, images: entries, problems };
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const annotationFiles = (await fs.readdir(annotationsDir)).filter((f) => (layout === 'kitti' ? f.endsWith('.txt') : isImageFile(f))).sort();
  const annotated = new Set<string>();
  for (const fileName of annotationFiles) {
    const name = path.basename(fileName, path.extname(fileName));
    const file = path.join(annotationsDir, fileName);
    const image = byName.get(name);
    if (!image) {
      problems.push({ file, message: `no image named ${name} in ${imagesDir}` });
      continue;
    }
    annotated.add(name);
    let boxes: Box[];
    if (layout === 'kitti') {
      const parsed = parseKitti(await fs.readFile(file, 'utf8'), file);
      problems.push(...parsed.problems);
      boxes = parsed.boxes;
      image.labels = file;
    } else {
      const mask = await readMaskInstances(file);
      problems.push(...mask.problems);
      if (mask.width === 0) continue;
      if (mask.width !== image.width || mask.height !== image.height) {
        problems.push({ file, message: `mask is ${mask.width}x${mask.height} but its image is ${image.width}x${image.height}` });
        continue;
      }
      boxes = mask.boxes;
      if (outLabelsDir) {
        image.labels = path.join(outLabelsDir, `${name}.txt`);
        await writeFileAtomic(image.labels, boxes.map((b) => formatKittiLabel(b)).join('\n') + (boxes.length ? '\n' : ''));
      }
    }
    for (const box of boxes) {
      if (boxOutsideImage(box, image.width, image.height)) {
        problems.push({ file, message: `box ${box.x1},${box.y1},${box.x2},${box.y2} lies outside the ${image.width}x${image.height} image` });
      }
    }
    image.boxes = boxes.length;
  }
  for (const image of entries) {
    if (!annotated.has(image.name)) problems.push({ file: image.file, message: `no ${layout === 'kitti' ? 'label file' : 'mask'} for this image` });
  }
  return { layout, root, images: entries, problems };
}

export interface DatasetReport {
  root: string;
  layout: DatasetLayout;
  images: number;
  labelled: number;
  boxes: number;
  boxesPerImage: { min: number; median: number; max: number } | null;
  problems: string[];
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Counts and every problem, without writing anything. */
export async function checkDataset(dir: string): Promise<DatasetReport> {
  const manifest = await ingestDataset(dir);
  const counted = manifest.images.filter((i) => i.boxes !== undefined).map((i) => i.boxes!);
  return {
    root: manifest.root,
    layout: manifest.layout,
    images: manifest.images.length,
    labelled: counted.length,
    boxes: counted.reduce((a, b) => a + b, 0),
    boxesPerImage: counted.length ? { min: Math.min(...counted), median: median(counted), max: Math.max(...counted) } : null,
    problems: manifest.problems.map(formatProblem),
  };
}
