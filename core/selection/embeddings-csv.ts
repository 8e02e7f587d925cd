// Lightly's embeddings CSV: header `filenames,embedding_0,...,embedding_{D-1},labels`, one row per image.
import * as fs from 'node:fs/promises';

export interface Embeddings {
  filenames: string[];
  dim: number;
  /** Row-major, filenames.length x dim. */
  data: Float64Array;
}

export function parseEmbeddingsCsv(text: string, file: string): Embeddings {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${file}: empty file`);
  const header = lines[0].split(',').map((h) => h.trim());
  const columns = header.flatMap((h, i) => (/^embedding_\d+$/.test(h) ? [i] : []));
  const nameColumn = header.indexOf('filenames');
  if (nameColumn < 0 || columns.length === 0) throw new Error(`${file}:1: header must have "filenames" and embedding_0..embedding_{D-1} columns`);
  const dim = columns.length;
  const rows = lines.length - 1;
  const data = new Float64Array(rows * dim);
  const filenames: string[] = [];
  const seen = new Set<string>();
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${r + 2}: ${cells.length} columns, header has ${header.length}`);
    const name = cells[nameColumn].trim();
    if (seen.has(name)) throw new Error(`${file}:${r + 2}: duplicate file name ${name}`);
    seen.add(name);
    filenames.push(name);
    columns.forEach((c, d) => {
      const v = Number(cells[c]);
      if (!Number.isFinite(v)) throw new Error(`${file}:${r + 2}: ${header[c]} is not a number: "${cells[c]}"`);
      data[r * dim + d] = v;
    });
  }
  return { filenames, dim, data };
}

export async function readEmbeddingsCsv(file: string): Promise<Embeddings> {
  return parseEmbeddingsCsv(await fs.readFile(file, 'utf8'), file);
}

export function formatEmbeddingsCsv(e: Embeddings): string {
  const header = ['filenames', ...Array.from({ length: e.dim }, (_, d) => `embedding_${d}`), 'labels'].join(',');
  const rows = e.filenames.map((name, r) => [name, ...Array.from(e.data.subarray(r * e.dim, (r + 1) * e.dim)), 0].join(','));
  return [header, ...rows].join('\n') + '\n';
}
