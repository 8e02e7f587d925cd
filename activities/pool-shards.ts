// The files of a pool inference in shards (`shards.images`, workflows/pool-inference.ts): the plan cuts the
// pool's images into lists (the pool's embedding in shards uses the same plan, activities/embedding-shards.ts),
// each shard infers its list into a folder of its own, which the worker that inferred it turns into one
// predictions table and one score table, and the merge gathers the shards' tables into the round's
// predictions folder (core/formats/pool-predictions.ts). Every step is idempotent: a shard whose table is
// there is not inferred again (tables appear at once, by rename), so a retry, or the fan-out run again
// after a pause, redoes only the shards not yet done.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listImageFiles } from '../core/formats/images';
import { PREDICTION_TABLES_INDEX, predictionTablesIndex } from '../core/formats/pool-predictions';
import { writePredictionsTable } from '../core/formats/predictions-table';
import { writeScoreTable } from '../core/scores/prediction-folder';
import { SCORE_TABLE_HEADER, scoreTableOf } from '../core/scores/score-table';
import { writeFileAtomic, writeJsonAtomic } from '../core/io/atomic-write';
import type {
  InferInput,
  InferResult,
  InferShardInput,
  MergeShardsInput,
  ShardPlan,
  ShardPlanInput,
  ShardResult,
} from './types';

export const SHARD_PLAN_FILE = 'plan.json';
/** One JSON line per shard attempt's start and end: which shards were inferred twice is a fact on disk. */
export const SHARD_ATTEMPTS_LOG = 'attempts.jsonl';

export type ShardAttemptRecord = { shard: number; attempt: number; pid: number; at: string } & (
  { event: 'start' } | { event: 'done'; images: number } | { event: 'reused'; images: number }
);

const shardDir = (shardsDir: string, shard: number) => path.join(shardsDir, String(shard));
const shardPredictions = (shardsDir: string, shard: number) => path.join(shardDir(shardsDir, shard), 'predictions');
/** The shard's score table (core/scores/score-table.ts), kept after the merge with the plan. */
const shardScores = (shardsDir: string, shard: number) => path.join(shardDir(shardsDir, shard), 'scores.tsv');
/** The shard's predictions table (core/formats/predictions-table.ts): its result, once written. */
const shardTable = (shardsDir: string, shard: number) => path.join(shardDir(shardsDir, shard), 'predictions.tsv');
/** A table's name in the round's predictions folder: the shard's number, zero-padded, so they sort in order. */
const mergedTableName = (shard: number) => `${String(shard).padStart(5, '0')}.tsv`;

const exists = async (file: string) => (await fs.stat(file).catch(() => null)) !== null;

/**
 * Turns the shard's predictions folder (the backend's file per image) into its score table and its
 * predictions table, each unless there (a retry after a kill), then drops the folder; the predictions
 * table, written last, says the shard is done. Returns false when there is neither a table nor a folder.
 */
async function tabulateShard(shardsDir: string, shard: number): Promise<boolean> {
  const table = shardTable(shardsDir, shard);
  const folder = shardPredictions(shardsDir, shard);
  if (!(await exists(table))) {
    if (!(await isDirectory(folder))) return false;
    const stems = (await shardImageNames(shardsDir, shard)).map((f) => path.basename(f, path.extname(f)));
    // Scored here, on the worker that inferred the shard: selection then reads one table, not a file per image.
    if (!(await exists(shardScores(shardsDir, shard))))
      await writeScoreTable(folder, stems, shardScores(shardsDir, shard));
    await writePredictionsTable(folder, stems, table);
  }
  await fs.rm(folder, { recursive: true, force: true });
  return true;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await fs.stat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** Shard `shard`'s image names, from its list in the plan. */
export async function shardImageNames(shardsDir: string, shard: number): Promise<string[]> {
  const listFile = path.join(shardDir(shardsDir, shard), 'images.txt');
  const text = await fs.readFile(listFile, 'utf8').catch(() => {
    throw new Error(`${listFile}: no such shard list (is shard ${shard} in the plan of ${shardsDir}?)`);
  });
  return text.split('\n').filter(Boolean);
}

/** A fresh folder of links to shard `shard`'s images in `imagesDir`: what the trainer runs on. */
export async function linkShardImages(shardsDir: string, shard: number, imagesDir: string): Promise<string> {
  const names = await shardImageNames(shardsDir, shard);
  const links = path.join(shardDir(shardsDir, shard), 'images');
  await fs.rm(links, { recursive: true, force: true });
  await fs.mkdir(links, { recursive: true });
  for (const name of names) await fs.symlink(path.join(imagesDir, name), path.join(links, name));
  return links;
}

/**
 * Cuts the pool's images (sorted by name) into shards of `shardImages`, written as `<k>/images.txt`; the
 * plan file, written last, says they are complete. A plan of the same folder and size is reused as it is.
 */
export async function planPoolShards(input: ShardPlanInput): Promise<ShardPlan> {
  const planFile = path.join(input.shardsDir, SHARD_PLAN_FILE);
  const existing = await fs
    .readFile(planFile, 'utf8')
    .then((text) => JSON.parse(text) as ShardPlan)
    .catch(() => null);
  if (existing && existing.imagesDir === input.imagesDir && existing.shardImages === input.shardImages) return existing;
  await fs.rm(input.shardsDir, { recursive: true, force: true });
  const names = (await listImageFiles(input.imagesDir)).map((file) => path.basename(file));
  const shards = Math.ceil(names.length / input.shardImages);
  for (let k = 0; k < shards; k++) {
    const list = names.slice(k * input.shardImages, (k + 1) * input.shardImages);
    await writeFileAtomic(path.join(shardDir(input.shardsDir, k), 'images.txt'), `${list.join('\n')}\n`);
  }
  const plan: ShardPlan = {
    shardsDir: input.shardsDir,
    imagesDir: input.imagesDir,
    images: names.length,
    shardImages: input.shardImages,
    shards,
  };
  await writeJsonAtomic(planFile, plan);
  return plan;
}

/**
 * Infers shard `shard`'s images with `infer` (the loop's backend), through a folder of links to them, into
 * the shard's predictions folder, and tabulates it; returns at once when the shard's table is there, and
 * only tabulates when the folder is (the backends rename it into place complete, so it is never half a
 * result).
 */
export async function inferPoolShard(
  input: InferShardInput,
  infer: (input: InferInput) => Promise<InferResult>,
  attempt: number,
): Promise<ShardResult> {
  const started = Date.now();
  const { shardsDir, shard } = input;
  const predictions = shardPredictions(shardsDir, shard);
  const record = { shard, attempt, pid: process.pid };
  if (await tabulateShard(shardsDir, shard)) {
    const images = (await shardImageNames(shardsDir, shard)).length;
    await appendShardAttempt(shardsDir, { ...record, event: 'reused', images });
    return { shard, images, seconds: 0, reused: true };
  }
  const links = await linkShardImages(shardsDir, shard, input.infer.imagesDir);
  await appendShardAttempt(shardsDir, { ...record, event: 'start' });
  const result = await infer({ ...input.infer, imagesDir: links, outDir: predictions });
  await fs.rm(links, { recursive: true, force: true });
  await tabulateShard(shardsDir, shard);
  await appendShardAttempt(shardsDir, { ...record, event: 'done', images: result.images });
  return { shard, images: result.images, seconds: (Date.now() - started) / 1000, reused: false };
}

/**
 * Links every shard's predictions table into `outDir` with the index that lists them (through a temp
 * folder renamed into place, so the folder is complete or absent), then drops the shards' own copies; the
 * plan, the attempts log and the score tables stay. A shard inferred before tables existed (a folder of
 * files) is tabulated here first.
 */
export async function mergePoolShards(input: MergeShardsInput): Promise<InferResult> {
  const started = Date.now();
  const { outDir, shardsDir, shards } = input;
  let images = 0;
  for (let k = 0; k < shards; k++) images += (await shardImageNames(shardsDir, k)).length;
  if (!(await isDirectory(outDir))) {
    const tmp = `${outDir}.partial`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    const tables: string[] = [];
    for (let k = 0; k < shards; k++) {
      if (!(await tabulateShard(shardsDir, k)))
        throw new Error(`${shardDir(shardsDir, k)}: shard ${k} has no predictions to merge`);
      tables.push(mergedTableName(k));
      await fs.link(shardTable(shardsDir, k), path.join(tmp, tables[k]));
    }
    await writeJsonAtomic(path.join(tmp, PREDICTION_TABLES_INDEX), predictionTablesIndex(tables, images));
    await fs.rename(tmp, outDir);
  }
  await mergeScoreTables(input);
  for (let k = 0; k < shards; k++) await fs.rm(shardTable(shardsDir, k), { force: true });
  return { predictionsDir: outDir, images, seconds: (Date.now() - started) / 1000 };
}

/**
 * The shards' score tables joined in shard order beside the merged folder (scoreTableOf), unless it is there.
 * Every tabulated shard has one; should one be missing, none is written and selection scores the tables.
 */
async function mergeScoreTables({ outDir, shardsDir, shards }: MergeShardsInput): Promise<void> {
  const out = scoreTableOf(outDir);
  if (await fs.stat(out).catch(() => null)) return;
  const tables = Array.from({ length: shards }, (_, k) => shardScores(shardsDir, k));
  for (const table of tables) if (!(await fs.stat(table).catch(() => null))) return;
  const tmp = `${out}.partial`;
  await fs.writeFile(tmp, `${SCORE_TABLE_HEADER}\n`);
  for (const table of tables) {
    const text = await fs.readFile(table, 'utf8');
    await fs.appendFile(tmp, text.slice(text.indexOf('\n') + 1));
  }
  await fs.rename(tmp, out);
}

type WithoutTime<T> = T extends unknown ? Omit<T, 'at'> : never;

export async function appendShardAttempt(shardsDir: string, record: WithoutTime<ShardAttemptRecord>): Promise<void> {
  await fs.appendFile(
    path.join(shardsDir, SHARD_ATTEMPTS_LOG),
    `${JSON.stringify({ ...record, at: new Date().toISOString() })}\n`,
  );
}

/** The shard attempts log, in order; a line torn by a kill mid-write is left out. */
export async function readShardAttempts(shardsDir: string): Promise<ShardAttemptRecord[]> {
  const text = await fs.readFile(path.join(shardsDir, SHARD_ATTEMPTS_LOG), 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as ShardAttemptRecord] : [];
    } catch {
      return [];
    }
  });
}
