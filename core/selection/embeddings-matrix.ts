// The pool's embeddings as the loop works with them: a float32 matrix and a list of file names beside the
// Lightly CSV (which stays as the export and the trainer's output). Reading a million rows of CSV took
// 12-14 s and 1.3 GB (a string per line); the matrix is 128 MB at 1M x 32 and reads in well under a second.
//   <base>.f32        bytes 0-7 "POMEMB01", uint32 LE rows, uint32 LE dim, then rows x dim float32 LE,
//                     row-major, in the CSV's row order
//   <base>.names.txt  the CSV's file names, one a line, in the same order
// <base> is the CSV's path without `.csv`. The names are written first and the matrix renamed into place
// last, so a matrix file means both are complete.
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as readline from 'node:readline';
import { allocateEmbeddingValues } from './distance-filter';
import { parseEmbeddingsHeader, parseEmbeddingsRow, readEmbeddingsCsv, type Embeddings } from './embeddings-csv';

const MAGIC = 'POMEMB01';
const HEADER_BYTES = 16;
/** Rows parsed before they are written out: memory stays at one chunk whatever the pool's size. */
const CHUNK_ROWS = 10_000;

export function matrixFiles(csvPath: string): { matrix: string; names: string } {
  const base = csvPath.replace(/\.csv$/i, '');
  return { matrix: `${base}.f32`, names: `${base}.names.txt` };
}

export interface MatrixSummary {
  count: number;
  dim: number;
}

/** Rows and width from the matrix's header; null when there is no matrix. */
export async function readMatrixSummary(csvPath: string): Promise<MatrixSummary | null> {
  const handle = await fs.open(matrixFiles(csvPath).matrix, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    await handle.read(header, 0, HEADER_BYTES, 0);
    return checkHeader(header, matrixFiles(csvPath).matrix);
  } finally {
    await handle.close();
  }
}

function checkHeader(header: Buffer, file: string): MatrixSummary {
  if (header.length < HEADER_BYTES || header.toString('latin1', 0, 8) !== MAGIC)
    throw new Error(`${file}: not an embeddings matrix (no ${MAGIC} header)`);
  return { count: header.readUInt32LE(8), dim: header.readUInt32LE(12) };
}

/**
 * Converts the CSV into the matrix and names, streaming (one chunk of rows in memory); a malformed row
 * throws as reading the CSV does, naming `file:line`. Returns the rows and width.
 */
export async function writeEmbeddingsMatrix(csvPath: string): Promise<MatrixSummary> {
  const { matrix, names } = matrixFiles(csvPath);
  const matrixTmp = `${matrix}.partial`;
  const namesTmp = `${names}.partial`;
  const data = await fs.open(matrixTmp, 'w');
  const nameFile = await fs.open(namesTmp, 'w');
  let count = 0;
  let dim = 0;
  try {
    // Positional writes throughout: the header goes in last, at 0, over a placeholder.
    let at = HEADER_BYTES;
    const lines = readline.createInterface({ input: createReadStream(csvPath), crlfDelay: Infinity });
    let header: ReturnType<typeof parseEmbeddingsHeader> | undefined;
    let chunk = new Float32Array(0);
    let chunkNames: string[] = [];
    const seen = new Map<string, number>();
    const flush = async () => {
      const rows = chunkNames.length;
      if (rows === 0) return;
      const bytes = new Uint8Array(chunk.buffer, 0, rows * dim * 4);
      await data.write(bytes, 0, bytes.length, at);
      at += bytes.length;
      await nameFile.write(`${chunkNames.join('\n')}\n`);
      chunkNames = [];
    };
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      if (!header) {
        header = parseEmbeddingsHeader(line, csvPath);
        dim = header.embeddingColumns.length;
        chunk = new Float32Array(CHUNK_ROWS * dim);
        continue;
      }
      if (line.trim() === '') continue;
      const row = chunkNames.length;
      chunkNames.push(parseEmbeddingsRow(line, lineNumber, header, csvPath, seen, chunk.subarray(row * dim)));
      count++;
      if (chunkNames.length === CHUNK_ROWS) await flush();
    }
    if (!header) parseEmbeddingsHeader('', csvPath);
    await flush();
    const head = Buffer.alloc(HEADER_BYTES);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(count, 8);
    head.writeUInt32LE(dim, 12);
    await data.write(head, 0, HEADER_BYTES, 0);
  } catch (err) {
    await Promise.all([data.close(), nameFile.close()]);
    await Promise.all([fs.rm(matrixTmp, { force: true }), fs.rm(namesTmp, { force: true })]);
    throw err;
  }
  await Promise.all([data.close(), nameFile.close()]);
  await fs.rename(namesTmp, names);
  await fs.rename(matrixTmp, matrix);
  return { count, dim };
}

/** Bytes per read while loading the matrix (one read may not pass 2 GiB). */
const READ_BYTES = 64 * 1024 ** 2;

/**
 * The matrix and names as selection's embeddings, float32 as stored (not widened), read straight into the
 * selection kernel's memory (allocateEmbeddingValues: the kernel then uses them in place, no copy); null
 * without a matrix.
 */
export async function readEmbeddingsMatrix(csvPath: string): Promise<Embeddings | null> {
  const files = matrixFiles(csvPath);
  const handle = await fs.open(files.matrix, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!handle) return null;
  let values: Float32Array;
  let count: number;
  let dim: number;
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    ({ count, dim } = checkHeader(header.subarray(0, bytesRead), files.matrix));
    const size = (await handle.stat()).size;
    if (size !== HEADER_BYTES + count * dim * 4)
      throw new Error(
        `${files.matrix}: ${size} bytes, a ${count} x ${dim} matrix has ${HEADER_BYTES + count * dim * 4}`,
      );
    values = allocateEmbeddingValues(count, dim);
    // Little-endian float32 on disk, read as bytes into the array: x86 and ARM hosts are little-endian.
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    for (let at = 0; at < bytes.length;) {
      const { bytesRead: got } = await handle.read(
        bytes,
        at,
        Math.min(READ_BYTES, bytes.length - at),
        HEADER_BYTES + at,
      );
      if (got === 0) throw new Error(`${files.matrix}: ended after ${HEADER_BYTES + at} bytes`);
      at += got;
    }
  } finally {
    await handle.close();
  }
  const filenames = (await fs.readFile(files.names, 'utf8')).split('\n');
  if (filenames.at(-1) === '') filenames.pop();
  if (filenames.length !== count)
    throw new Error(`${files.names}: ${filenames.length} file names for the ${count} rows of ${files.matrix}`);
  return { filenames, dim, data: values };
}

/** The pool's embeddings for selection: the matrix when the loop wrote one, else the CSV itself. */
export async function readPoolEmbeddings(csvPath: string): Promise<Embeddings> {
  return (await readEmbeddingsMatrix(csvPath)) ?? readEmbeddingsCsv(csvPath);
}
