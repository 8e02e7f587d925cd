// Stages data where the TAO container can read it: inside the mounted project folder, as real files
// (hard links, or copies across file systems; pomona's own image folders are symlinks into the dataset,
// which would dangle inside the container). Labels are rewritten as TAO's KITTI loader wants them:
// 15 fields, integer occlusion, lowercase class (TAO lowercases before `target_class_mapping`), one file
// per image even when it has no boxes (TAO skips an image whose label file is missing).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatKittiFile, parseKitti, type Box } from '../../core/formats/kitti';
import { formatProblem } from '../../core/formats/problem';
import { listImageFiles, readImageSize } from '../../core/formats/images';

export interface StagedKittiSet {
  images: string;
  labels: string;
  count: number;
  /** Classes as labelled (original case), sorted. */
  classes: string[];
  /** Image extensions (lowercase, no dot). */
  extensions: string[];
  /** Every box with its image's size (for k-means anchors). */
  boxes: { box: Box; width: number; height: number }[];
}

/** What a labelled set holds (count, classes, extensions, boxes with image sizes), read without staging. */
export async function summarizeKittiSet(
  items: readonly { name: string; image: string; labels: string }[],
): Promise<Omit<StagedKittiSet, 'images' | 'labels'>> {
  const classes = new Set<string>();
  const extensions = new Set<string>();
  const boxes: StagedKittiSet['boxes'] = [];
  for (const item of items) {
    extensions.add(path.extname(item.image).slice(1).toLowerCase());
    const parsed = await readLabels(item);
    for (const b of parsed) classes.add(b.cls);
    boxes.push(...(await withImageSize(item.image, parsed)));
  }
  return { count: items.length, classes: [...classes].sort(), extensions: [...extensions].sort(), boxes };
}

async function readLabels(item: { labels: string }): Promise<Box[]> {
  const parsed = parseKitti(await fs.readFile(item.labels, 'utf8'), item.labels, 'either');
  if (parsed.problems.length)
    throw new Error(`cannot stage labels: ${parsed.problems.slice(0, 5).map(formatProblem).join('; ')}`);
  return parsed.boxes;
}

async function withImageSize(image: string, boxes: Box[]): Promise<StagedKittiSet['boxes']> {
  if (!boxes.length) return [];
  const size = await readImageSize(image);
  if ('message' in size) throw new Error(`cannot stage ${image}: ${size.message}`);
  return boxes.map((box) => ({ box, ...size }));
}

/** A real file at `dest` with `src`'s content: a hard link when possible, else a copy. */
async function placeFile(src: string, dest: string): Promise<void> {
  const real = await fs.realpath(src);
  try {
    await fs.link(real, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
    await fs.copyFile(real, dest);
  }
}

async function freshDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
}

/** `items` (image + pomona label file each) as `<dest>/images` and `<dest>/labels`; recreated each time. */
export async function stageKittiSet(
  items: readonly { name: string; image: string; labels: string }[],
  dest: string,
): Promise<StagedKittiSet> {
  const images = path.join(dest, 'images');
  const labels = path.join(dest, 'labels');
  await freshDir(images);
  await freshDir(labels);
  const classes = new Set<string>();
  const extensions = new Set<string>();
  const boxes: StagedKittiSet['boxes'] = [];
  for (const item of items) {
    const ext = path.extname(item.image);
    extensions.add(ext.slice(1).toLowerCase());
    await placeFile(item.image, path.join(images, `${item.name}${ext}`));
    const parsed = await readLabels(item);
    for (const b of parsed) classes.add(b.cls);
    await fs.writeFile(
      path.join(labels, `${item.name}.txt`),
      formatKittiFile(
        parsed.map((b) => ({ ...b, cls: b.cls.toLowerCase() })),
        'label',
      ),
    );
    boxes.push(...(await withImageSize(item.image, parsed)));
  }
  return {
    images,
    labels,
    count: items.length,
    classes: [...classes].sort(),
    extensions: [...extensions].sort(),
    boxes,
  };
}

/** Pairs each image of `imagesDir` with `<labelsDir>/<name>.txt` (pomona's validation split layout). */
export async function pairImagesWithLabels(
  imagesDir: string,
  labelsDir: string,
): Promise<{ name: string; image: string; labels: string }[]> {
  return (await listImageFiles(imagesDir)).map((image) => {
    const name = path.basename(image, path.extname(image));
    return { name, image, labels: path.join(labelsDir, `${name}.txt`) };
  });
}

/** The images of `imagesDir` as real files in `dest` (recreated); returns their base names. */
export async function stageImages(imagesDir: string, dest: string): Promise<string[]> {
  await freshDir(dest);
  const names: string[] = [];
  for (const image of await listImageFiles(imagesDir)) {
    await placeFile(image, path.join(dest, path.basename(image)));
    names.push(path.basename(image, path.extname(image)));
  }
  return names;
}
