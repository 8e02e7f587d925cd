import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDistanceFilter } from './distance-filter';
import { formatEmbeddingsCsv, readEmbeddingsCsv, type Embeddings } from './embeddings-csv';
import {
  matrixFiles,
  readEmbeddingsMatrix,
  readMatrixSummary,
  readPoolEmbeddings,
  writeEmbeddingsMatrix,
} from './embeddings-matrix';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-matrix-'));

function rows(n: number, dim: number): Embeddings {
  return {
    filenames: Array.from({ length: n }, (_, i) => (i === 1 ? 'a,b "quoted".png' : `img${i}.png`)),
    dim,
    data: Float64Array.from({ length: n * dim }, (_, k) => Math.sin(k * 0.37) / 3),
  };
}

test('the matrix holds the CSV rows as float32, in order, across chunks; names beside it', async () => {
  const dir = tmp();
  const csv = path.join(dir, 'embeddings.csv');
  const e = rows(25_003, 3); // more than two chunks of 10,000 rows
  fs.writeFileSync(csv, formatEmbeddingsCsv(e));
  expect(await readMatrixSummary(csv)).toBeNull();
  expect(await writeEmbeddingsMatrix(csv)).toEqual({ count: 25_003, dim: 3 });
  expect(await readMatrixSummary(csv)).toEqual({ count: 25_003, dim: 3 });
  expect(fs.statSync(matrixFiles(csv).matrix).size).toBe(16 + 25_003 * 3 * 4);
  const read = (await readEmbeddingsMatrix(csv))!;
  expect(read.filenames).toEqual(e.filenames);
  expect(read.dim).toBe(3);
  // Kept as float32 (4 bytes a value in memory, not widened to float64): selection computes in float64.
  expect(read.data).toBeInstanceOf(Float32Array);
  // Three values a row: not placed for the kernel (rows of a multiple of 4 are; below), so a filter copies them.
  expect(createDistanceFilter(read.data, 25_003, 3, 4)!.copiedRows).toBe(true);
  expect(Array.from(read.data)).toEqual(Array.from(e.data, Math.fround));
  expect(await readPoolEmbeddings(csv)).toEqual(read);
});

test("rows of a multiple of 4 values are read into the selection kernel's memory: a filter uses them in place", async () => {
  const dir = tmp();
  const csv = path.join(dir, 'embeddings.csv');
  const e = rows(1_000, 8);
  fs.writeFileSync(csv, formatEmbeddingsCsv(e));
  await writeEmbeddingsMatrix(csv);
  const read = (await readEmbeddingsMatrix(csv))!;
  expect(Array.from(read.data)).toEqual(Array.from(e.data, Math.fround));
  const filter = createDistanceFilter(read.data, 1_000, 8, 10)!;
  expect(filter.copiedRows).toBe(false);
  // Used in place, not changed: the centres and the filter's other regions lie after the rows.
  for (let c = 0; c < 10; c++) filter.addCentre(c * 7);
  expect(Array.from(read.data)).toEqual(Array.from(e.data, Math.fround));
  // A copy of the array (or a part of it) is not where the kernel reads: a filter copies it.
  expect(createDistanceFilter(read.data.slice(), 1_000, 8, 10)!.copiedRows).toBe(true);
  expect(createDistanceFilter(read.data.subarray(0, 800), 100, 8, 10)!.copiedRows).toBe(true);
});

test('without a matrix, selection reads the CSV itself', async () => {
  const dir = tmp();
  const csv = path.join(dir, 'user.csv');
  fs.writeFileSync(csv, formatEmbeddingsCsv(rows(4, 2)));
  expect(await readPoolEmbeddings(csv)).toEqual(await readEmbeddingsCsv(csv));
});

test('a malformed row throws with its line, and leaves no matrix behind', async () => {
  const dir = tmp();
  const csv = path.join(dir, 'embeddings.csv');
  fs.writeFileSync(csv, 'filenames,embedding_0,labels\na.png,0.5,0\nb.png,oops,0\n');
  await expect(writeEmbeddingsMatrix(csv)).rejects.toThrow(`${csv}:3: embedding_0 is not a finite number: "oops"`);
  expect(fs.readdirSync(dir)).toEqual(['embeddings.csv']);
  fs.writeFileSync(csv, '');
  await expect(writeEmbeddingsMatrix(csv)).rejects.toThrow(`${csv}:1: header must have "filenames"`);
});

test('a truncated matrix or a names list of another length is refused, naming the file', async () => {
  const dir = tmp();
  const csv = path.join(dir, 'embeddings.csv');
  fs.writeFileSync(csv, formatEmbeddingsCsv(rows(5, 2)));
  await writeEmbeddingsMatrix(csv);
  const { matrix, names } = matrixFiles(csv);
  fs.writeFileSync(names, 'img0.png\n');
  await expect(readEmbeddingsMatrix(csv)).rejects.toThrow(`${names}: 1 file names for the 5 rows of ${matrix}`);
  fs.truncateSync(matrix, 20);
  await expect(readEmbeddingsMatrix(csv)).rejects.toThrow(`${matrix}: 20 bytes, a 5 x 2 matrix has 56`);
  fs.writeFileSync(matrix, 'not a matrix at all');
  await expect(readMatrixSummary(csv)).rejects.toThrow('not an embeddings matrix');
  await expect(readEmbeddingsMatrix(csv)).rejects.toThrow('not an embeddings matrix');
  fs.writeFileSync(matrix, 'POMEMB01');
  await expect(readEmbeddingsMatrix(csv)).rejects.toThrow(`${matrix}: not an embeddings matrix (no POMEMB01 header)`);
});
