// A round's predictions on the pool (`rounds/<n>/predictions/`), in either of the two forms the loop writes:
// - a pool inferred in shards (`shards.images`): one predictions table per shard (predictions-table.ts) and
//   `tables.json`, which lists them in the pool's order (written last: the folder is complete);
// - a pool inferred in one activity: the backend's KITTI files, one `<image>.txt` per image.
// Readers go through here and never care which; both stream, a table or a file at a time.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readKittiFolder } from './kitti-folder';
import type { Box } from './kitti';
import { forEachPredictionsTableImage } from './predictions-table';

export const PREDICTION_TABLES_INDEX = 'tables.json';
const FILES_AT_A_TIME = 1000;
const TABLES_FORMAT = 'pomona-prediction-tables/1';

export interface PredictionTablesIndex {
  format: typeof TABLES_FORMAT;
  /** Table files in the folder, in the pool's order. */
  tables: string[];
  /** Images in all the tables together. */
  images: number;
}

export function predictionTablesIndex(tables: string[], images: number): PredictionTablesIndex {
  return { format: TABLES_FORMAT, tables, images };
}

/** The folder's table files (full paths, in order), or null when it holds a file per image. */
export async function predictionTables(dir: string): Promise<string[] | null> {
  const file = path.join(dir, PREDICTION_TABLES_INDEX);
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) {
    if (!(await fs.stat(dir).catch(() => null))?.isDirectory()) throw new Error(`${dir}: no such folder`);
    return null;
  }
  const index = JSON.parse(text) as Partial<PredictionTablesIndex>;
  if (index.format !== TABLES_FORMAT || !Array.isArray(index.tables))
    throw new Error(`${file}: not an index of prediction tables (format ${JSON.stringify(index.format)})`);
  return index.tables.map((table) => path.join(dir, table));
}

/**
 * Visits every inferred image with its boxes (only `names`' when given), one image at a time: memory holds
 * one image's boxes, whatever the pool's size. An image the inference did not reach (no line in the
 * tables, no file in the folder) is not visited.
 */
export async function forEachPoolPrediction(
  dir: string,
  names: readonly string[] | undefined,
  visit: (name: string, boxes: Box[]) => void,
): Promise<void> {
  const tables = await predictionTables(dir);
  if (tables) {
    const wanted = names && new Set(names);
    for (const table of tables) await forEachPredictionsTableImage(table, visit, wanted && ((n) => wanted.has(n)));
    return;
  }
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -'.txt'.length));
  const present = new Set(files);
  const listed = names ? names.filter((n) => present.has(n)) : files.sort();
  // A thousand files at a time: one map of theirs in memory, never the pool's.
  for (let at = 0; at < listed.length; at += FILES_AT_A_TIME)
    for (const [name, boxes] of await readKittiFolder(dir, 'prediction', listed.slice(at, at + FILES_AT_A_TIME), true))
      visit(name, boxes);
}

/** The boxes of `names` (of every image when not given) as one map: for a batch, not for the whole pool. */
export async function readPoolPredictions(dir: string, names?: readonly string[]): Promise<Map<string, Box[]>> {
  const out = new Map<string, Box[]>();
  await forEachPoolPrediction(dir, names, (name, boxes) => out.set(name, boxes));
  return out;
}
