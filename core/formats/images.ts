// Image files of a folder and their sizes. Sizes come from the file header (image-size on the first
// 512 KiB; the whole file only when a JPEG's metadata runs longer), so listing a large pool stays fast.
// A file whose header cannot be read is reported, not thrown; one with a sound header but a damaged body
// passes here and fails where it is decoded.
// Sizes are as stored: a JPEG's EXIF orientation is not applied (PIL's Image.open, which the trainer uses,
// does not apply it either, so labels and pixels stay in one frame).
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

/** Image files directly inside `dir` (extension case-insensitive, links included), sorted by file name. */
export async function listImageFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isImageFile(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

const HEADER_BYTES = 512 * 1024;

async function readHead(file: string, bytes: number): Promise<{ head: Buffer; whole: boolean }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, bytes));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), whole: bytesRead >= size };
  } finally {
    await handle.close();
  }
}

function sizeOf(buffer: Buffer): { width: number; height: number } {
  const { width, height } = imageSize(buffer);
  return { width, height };
}

export async function readImageSize(file: string): Promise<{ width: number; height: number } | Problem> {
  try {
    const { head, whole } = await readHead(file, HEADER_BYTES);
    let size: { width: number; height: number };
    try {
      size = sizeOf(head);
    } catch (err) {
      if (whole) throw err;
      size = sizeOf(await fs.readFile(file));
    }
    const { width, height } = size;
    if (!width || !height) return { file, message: 'image has no width or height' };
    return { width, height };
  } catch (err) {
    // image-size says "unsupported file type: undefined" for bytes it does not recognise at all.
    const reason = /^unsupported file type/.test((err as Error).message)
      ? 'not a PNG or JPEG file'
      : (err as Error).message;
    return { file, message: `unreadable image: ${reason}` };
  }
}

/** Every image of `dir` with its size; two files with one base name (a.png, a.jpg) keep the first. */
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
