// Large text files read a block at a time and handed over line by line: a million-line table is never one
// string, and no line is split into cells here (the callers scan only the fields they need).
import { createReadStream } from 'node:fs';

/**
 * Bytes read at a time: each block's string stays below V8's large-object size, so it dies young instead of
 * piling up until a full collection. Measured at a million images (docs/scale.md): 64 KiB blocks read the
 * score table in 0.37-0.54 s against 0.57-0.72 s with 8 MiB, and the tables for a batch's pre-labels at a
 * lower peak memory.
 */
const READ_BYTES = 64 * 1024;

/**
 * Calls `take` with every line of `file` (without its `\n`; a final line without one too) and its 1-based
 * number, in order; returns the number of lines. `take` may throw to stop the read.
 */
export async function forEachLine(file: string, take: (line: string, lineNumber: number) => void): Promise<number> {
  let lineNumber = 0;
  let rest = '';
  for await (const block of createReadStream(file, { encoding: 'utf8', highWaterMark: READ_BYTES })) {
    const text = rest + (block as string);
    let from = 0;
    let newline: number;
    while ((newline = text.indexOf('\n', from)) >= 0) {
      take(text.slice(from, newline), ++lineNumber);
      from = newline + 1;
    }
    rest = text.slice(from);
  }
  if (rest !== '') take(rest, ++lineNumber);
  return lineNumber;
}
