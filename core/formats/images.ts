// Image files of a folder and their sizes. Sizes come from the file header (image-size on the first
// 64 KiB; the whole file only when a JPEG's metadata runs longer), so listing a large pool stays fast.
// A file whose header cannot be read is reported, not thrown; one with a sound header but a damaged body
// passes here and fails where it is decoded.
// Sizes are as stored: a JPEG's EXIF orientation is not applied (PIL's Image.open, which the trainer uses,
// does not apply it either, so labels and pixels stay in one frame).
import { imageSize } from 'image-size';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Problem } from './problem';
import { turnEvery } from '../io/event-loop-turn';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export interface ImageFile {
  /** Base name without extension: the key that ties an image to its label or mask file. */
  name: string;
  file: string;
  width: number;
  height: number;
}

/** `a/b/img.1.png` -> `img.1`: path.basename(f, path.extname(f)), at a fraction of its cost over a million names. */
export function fileStem(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
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

// Most headers are in the first few KiB (a PNG's size is at byte 16, a JPEG's frame header follows its
// metadata); a large first read per image cost as much as the rest of a million-image ingest.
const FIRST_READ_BYTES = 64 * 1024;
const firstRead = Buffer.alloc(FIRST_READ_BYTES);

/**
 * The image's first bytes, synchronously: a header is a handful of system calls, and a pool of a million
 * is read faster this way, in batches between turns of the event loop, than through the thread pool.
 */
function readHeadSync(file: string): { head: Buffer; whole: boolean } {
  const fd = openSync(file, 'r');
  try {
    const bytesRead = readSync(fd, firstRead, 0, FIRST_READ_BYTES, 0);
    const whole = bytesRead < FIRST_READ_BYTES || fstatSync(fd).size <= bytesRead;
    return { head: firstRead.subarray(0, bytesRead), whole };
  } finally {
    closeSync(fd);
  }
}

function sizeOf(buffer: Buffer): { width: number; height: number } {
  const { width, height } = imageSize(buffer);
  return { width, height };
}

/** The size from the header; the whole file is read only when a JPEG's metadata runs past the first read. */
export function readImageSizeSync(file: string): { width: number; height: number } | Problem {
  try {
    const { head, whole } = readHeadSync(file);
    let size: { width: number; height: number };
    try {
      size = sizeOf(head);
    } catch (err) {
      if (whole) throw err;
      size = sizeOf(readFileSync(file));
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

export async function readImageSize(file: string): Promise<{ width: number; height: number } | Problem> {
  return readImageSizeSync(file);
}

/** Headers read synchronously between two turns of the event loop (heartbeats and cancellation get theirs). */
const HEADER_BATCH = 500;

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
    await turnEvery(seen.size, HEADER_BATCH);
    const size = readImageSizeSync(file);
    if ('message' in size) problems.push(size);
    else images.push({ name, file, ...size });
  }
  return { images, problems };
}
