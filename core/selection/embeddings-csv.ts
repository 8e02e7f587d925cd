// Lightly's embeddings CSV: header `filenames,embedding_0,...,embedding_{D-1},labels`, one row per image,
// as lightly's save_embeddings writes it (and its API expects for upload). Cells may be double-quoted
// (a file name with a comma); the labels column is optional on reading and written as 0.
import * as fs from 'node:fs/promises';

/**
 * Embedding values, row-major: float32 as the loop stores them (embeddings-matrix.ts), so that a million
 * rows take 4 bytes a value in memory, or float64 as parsed from a CSV. Distances are float64 either way.
 */
export type EmbeddingValues = Float32Array | Float64Array;

export interface Embeddings {
  filenames: string[];
  dim: number;
  /** Row-major, filenames.length x dim. */
  data: EmbeddingValues;
}

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside quotes); null when a quote is left open. */
function splitCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  if (quoted) return null;
  cells.push(cell);
  return cells;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Where a CSV's file names and embedding values are, from its header line. */
export interface EmbeddingsCsvHeader {
  names: string[];
  nameColumn: number;
  embeddingColumns: number[];
}

/** The header line (line 1); a header without file names or with embedding columns out of order throws. */
export function parseEmbeddingsHeader(line: string, file: string): EmbeddingsCsvHeader {
  const names = splitCsvLine(line.replace(/^\uFEFF/, ''))?.map((h) => h.trim()) ?? [];
  const nameColumn = names.indexOf('filenames');
  const embeddingColumns = names.flatMap((h, i) => (/^embedding_\d+$/.test(h) ? [i] : []));
  if (nameColumn < 0 || embeddingColumns.length === 0)
    throw new Error(
      `${file}:1: header must have "filenames" and embedding_0..embedding_{D-1} columns, found "${line}"`,
    );
  embeddingColumns.forEach((c, d) => {
    if (names[c] !== `embedding_${d}`)
      throw new Error(
        `${file}:1: column ${c + 1} is ${names[c]}, expected embedding_${d} (columns in order, none missing)`,
      );
  });
  return { names, nameColumn, embeddingColumns };
}

/**
 * One data row (1-based `lineNumber`) into `out` (the row's `dim` values); returns its file name. `seen`
 * maps names to their line, for the duplicate check across rows.
 */
export function parseEmbeddingsRow(
  line: string,
  lineNumber: number,
  header: EmbeddingsCsvHeader,
  file: string,
  seen: Map<string, number>,
  out: { [i: number]: number },
): string {
  const at = `${file}:${lineNumber}`;
  const cells = splitCsvLine(line);
  if (!cells) throw new Error(`${at}: unterminated quote`);
  if (cells.length !== header.names.length)
    throw new Error(`${at}: ${cells.length} columns, the header has ${header.names.length}`);
  const name = cells[header.nameColumn].trim();
  if (name === '') throw new Error(`${at}: empty file name`);
  const before = seen.get(name);
  if (before !== undefined) throw new Error(`${at}: duplicate file name ${name} (first on line ${before})`);
  seen.set(name, lineNumber);
  header.embeddingColumns.forEach((c, d) => {
    const cell = cells[c].trim();
    const v = Number(cell);
    if (!NUMBER.test(cell) || !Number.isFinite(v))
      throw new Error(`${at}: ${header.names[c]} is not a finite number: "${cells[c]}"`);
    out[d] = v;
  });
  return name;
}

/** Parses the CSV text; any malformed row throws an Error naming `file:line`. */
export function parseEmbeddingsCsv(text: string, file: string): Embeddings {
  const lines = text.split(/\r?\n/);
  const header = parseEmbeddingsHeader(lines[0] ?? '', file);
  const dim = header.embeddingColumns.length;
  const filenames: string[] = [];
  const values: number[] = [];
  const row = new Array<number>(dim);
  const seen = new Map<string, number>();
  for (let l = 1; l < lines.length; l++) {
    if (lines[l].trim() === '') continue;
    filenames.push(parseEmbeddingsRow(lines[l], l + 1, header, file, seen, row));
    values.push(...row);
  }
  return { filenames, dim, data: Float64Array.from(values) };
}

export async function readEmbeddingsCsv(file: string): Promise<Embeddings> {
  return parseEmbeddingsCsv(await fs.readFile(file, 'utf8'), file);
}

const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** CSV text; numbers in JavaScript's shortest round-trip form, so reading it back gives the same bits. */
export function formatEmbeddingsCsv(e: Embeddings): string {
  if (e.data.length !== e.filenames.length * e.dim)
    throw new Error(`embeddings: ${e.data.length} values for ${e.filenames.length} rows of ${e.dim}`);
  const header = ['filenames', ...Array.from({ length: e.dim }, (_, d) => `embedding_${d}`), 'labels'].join(',');
  const rows = e.filenames.map((name, r) =>
    [quote(name), ...Array.from(e.data.subarray(r * e.dim, (r + 1) * e.dim), String), '0'].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}
