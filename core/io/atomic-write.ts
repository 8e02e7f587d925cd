// Atomic file writes: write a temp file beside the target (same folder, so the same file system), flush
// it to disk, then rename it over the target. rename(2) replaces atomically, so a reader or a retried
// activity sees the old file or the new one, never half of one; the flush makes that hold across a
// machine crash too. A failed write removes its temp file and leaves the target as it was.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeChunksAtomic(file, [data]);
}

/** As writeFileAtomic, from pieces written one after the other: a large file never is one string in memory. */
export async function writeChunksAtomic(file: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  // Hidden and unique per writer: concurrent writers of one target never share a temp file.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx');
    try {
      // writeFile on a handle writes from its current position, all of the piece.
      for (const chunk of chunks) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Pretty-printed JSON with a final newline, written atomically. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) return Promise.reject(new TypeError(`${file}: value is not JSON-serialisable`));
  return writeFileAtomic(file, `${text}\n`);
}
