// Image files of a folder and their sizes. Sizes come from the file header (image-size), so listing a
// large pool stays fast; a file whose header cannot be read is reported, not thrown.
import { imageSize } from 'image-size';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Problem } from './problem';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFile {
  /** Base name without extension: the key that ties an image to its label or mask file. */
  name: string;
  file: string;
  width: number;
  height: number;
}

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** Image files directly inside `dir` (links followed), sorted by name. */
export async function listImageFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isImageFile(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export async function readImageSize(file: string): Promise<{ width: number; height: number } | Problem> {
  try {
    const { width, height } = imageSize(await fs.readFile(file));
    if (!width || !height) return { file, message: 'image has no width or height' };
    return { width, height };
  } catch (err) {
    return { file, message: `unreadable image: ${(err as Error).message}` };
  }
}

export async function readImages(dir: string): Promise<{ images: ImageFile[]; problems: Problem[] }> {
  const images: ImageFile[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const file of await listImageFiles(dir)) {
    const name = path.basename(file, path.extname(file));
    const other = seen.get(name);
    if (other) {
      problems.push({ file, message: `same name as ${path.basename(other)}: labels could not tell them apart` });
      continue;
    }
    seen.set(name, file);
    const size = await readImageSize(file);
    if ('message' in size) problems.push(size);
    else images.push({ name, file, ...size });
  }
  return { images, problems };
}
