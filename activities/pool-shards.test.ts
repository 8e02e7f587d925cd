// The files of a pool's inference and embedding in shards (activities/pool-shards.ts, embedding-shards.ts),
// through the GPU worker's activities and a real trainer process (the stand-in, whose predictions and
// embeddings depend on the model and the image alone, so the shards' merged files can be compared byte for
// byte with one run on the whole folder; trainer/tests/test_embed.py does that with the real trainer).
import { MockActivityEnvironment } from '@temporalio/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ingestDataset } from '../core/dataset/ingest';
import { readPoolPredictions } from '../core/formats/pool-predictions';
import { rowScores, scoresOfPredictionFolder, writeScoreTable } from '../core/scores/prediction-folder';
import { scoreTableOf } from '../core/scores/score-table';
import { readEmbeddingsCsv } from '../core/selection/embeddings-csv';
import { matrixFiles, readEmbeddingsMatrix, readMatrixSummary } from '../core/selection/embeddings-matrix';
import { tempWorkspace, tinyOrchard } from '../tests/helpers/orchard';
import { useStandInTrainer } from '../tests/helpers/stand-in-trainer';
import { createGpuActivities } from './gpu';
import type { LabelledSet } from './labelled-set';
import { mergePoolShards, planPoolShards, readShardAttempts } from './pool-shards';
import type {
  EmbedInput,
  EmbeddingsSummary,
  InferInput,
  InferResult,
  ShardResult,
  TrainInput,
  TrainResult,
} from './types';

jest.setTimeout(120_000);
useStandInTrainer();

const { trainRound, inferImages, inferShard, embedPool, embedShard, mergeEmbeddings } = createGpuActivities();
let root: string;
let infer: InferInput;

/** The files of a folder and their contents. */
const filesOf = (dir: string) =>
  Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );

beforeAll(async () => {
  root = tempWorkspace();
  const manifest = await ingestDataset(tinyOrchard(8, 3), path.join(root, 'gt'));
  // The pool folder as prepare makes it: links to the dataset's images.
  const pool = path.join(root, 'pool', 'images');
  fs.mkdirSync(pool, { recursive: true });
  for (const image of manifest.images) fs.symlinkSync(image.file, path.join(pool, path.basename(image.file)));
  const labelled: LabelledSet = {
    round: 1,
    images: manifest.images.map((i) => ({ name: i.name, image: i.file, labels: i.labels!, round: 1 })),
  };
  const labelledPath = path.join(root, 'labelled.json');
  fs.writeFileSync(labelledPath, JSON.stringify(labelled));
  const training: TrainInput = {
    projectDir: root,
    round: 1,
    labelledPath,
    epochs: 1,
    checkpointInterval: 1,
    device: 'cpu',
    seed: 0,
    backbone: 'scratch',
  };
  const trained = (await new MockActivityEnvironment().run(trainRound, training)) as TrainResult;
  infer = { model: trained.weights, imagesDir: pool, outDir: '', threshold: 0.05, device: 'cpu' };
});

test('8 images in shards of 3: the merged predictions are those of one inference of the whole pool', async () => {
  const whole = (await new MockActivityEnvironment().run(inferImages, {
    ...infer,
    outDir: path.join(root, 'whole'),
  })) as InferResult;
  expect(whole.images).toBe(8);

  const shardsDir = path.join(root, 'rounds', '1', 'predictions-shards');
  const plan = await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 3 });
  expect(plan).toMatchObject({ images: 8, shards: 3, shardImages: 3 });
  const lists = [0, 1, 2].map((k) => fs.readFileSync(path.join(shardsDir, String(k), 'images.txt'), 'utf8').trim());
  expect(lists.map((l) => l.split('\n').length)).toEqual([3, 3, 2]);
  expect(lists.join('\n').split('\n')).toEqual(fs.readdirSync(infer.imagesDir).sort());
  // Planned again with the same size: the same plan, the lists untouched.
  expect(await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 3 })).toEqual(plan);

  const run = (shard: number, attempt = 1) =>
    new MockActivityEnvironment({ attempt }).run(inferShard, { infer, shardsDir, shard }) as Promise<ShardResult>;
  const results = [await run(0), await run(1), await run(2)];
  expect(results.map((r) => [r.images, r.reused])).toEqual([
    [3, false],
    [3, false],
    [2, false],
  ]);
  // The links a shard infers through are gone once its predictions are in.
  expect(fs.existsSync(path.join(shardsDir, '1', 'images'))).toBe(false);

  // A retry of a finished shard infers nothing: its predictions are reused, and the log says so.
  expect(await run(1, 2)).toMatchObject({ shard: 1, images: 3, reused: true });
  expect((await readShardAttempts(shardsDir)).map((r) => `${r.shard}:${r.event}`)).toEqual([
    '0:start',
    '0:done',
    '1:start',
    '1:done',
    '2:start',
    '2:done',
    '1:reused',
  ]);

  const outDir = path.join(root, 'rounds', '1', 'predictions');
  const merged = await mergePoolShards({ shardsDir, shards: plan.shards, outDir });
  expect(merged).toMatchObject({ predictionsDir: outDir, images: 8 });
  // One table per shard and their index, no file per image; every image's boxes those of the whole run.
  expect(fs.readdirSync(outDir).sort()).toEqual(['00000.tsv', '00001.tsv', '00002.tsv', 'tables.json']);
  const wholeBoxes = await readPoolPredictions(whole.predictionsDir);
  expect(wholeBoxes.size).toBe(8);
  expect([...wholeBoxes.values()].some((boxes) => boxes.length > 0)).toBe(true);
  expect(await readPoolPredictions(outDir)).toEqual(wholeBoxes);
  // `pomona scores --pred` on the round's folder: the scores of the files.
  expect(await scoresOfPredictionFolder(outDir)).toEqual(await scoresOfPredictionFolder(whole.predictionsDir));
  // Each shard scored its images where it inferred them; the merged table is the whole pool's, line for line.
  const wholeTable = path.join(root, 'whole-scores.tsv');
  const stems = fs
    .readdirSync(infer.imagesDir)
    .sort()
    .map((f) => path.parse(f).name);
  await writeScoreTable(whole.predictionsDir, stems, wholeTable);
  expect(fs.readFileSync(scoreTableOf(outDir), 'utf8')).toBe(fs.readFileSync(wholeTable, 'utf8'));
  // The shards' copies are dropped; the plan, the log and the score tables stay. Merging again changes nothing.
  expect(fs.readdirSync(path.join(shardsDir, '0')).sort()).toEqual(['images.txt', 'scores.tsv']);
  const mergedFiles = filesOf(outDir);
  expect(await mergePoolShards({ shardsDir, shards: plan.shards, outDir })).toMatchObject({ images: 8 });
  expect(filesOf(outDir)).toEqual(mergedFiles);
  expect(fs.readFileSync(scoreTableOf(outDir), 'utf8')).toBe(fs.readFileSync(wholeTable, 'utf8'));
});

test('a shard not in the plan, and a merge of a shard without predictions, fail naming the file', async () => {
  const shardsDir = path.join(root, 'rounds', '2', 'predictions-shards');
  await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 5 });
  await expect(new MockActivityEnvironment().run(inferShard, { infer, shardsDir, shard: 7 })).rejects.toThrow(
    `${path.join(shardsDir, '7', 'images.txt')}: no such shard list`,
  );
  await expect(
    mergePoolShards({ shardsDir, shards: 2, outDir: path.join(root, 'rounds', '2', 'predictions') }),
  ).rejects.toThrow(`${path.join(shardsDir, '0')}: shard 0 has no predictions to merge`);
  expect(fs.existsSync(path.join(root, 'rounds', '2', 'predictions'))).toBe(false);
});

test('a shard inferred before tables existed (a folder of files) is tabulated by the merge, and selection scores it', async () => {
  const shardsDir = path.join(root, 'rounds', '3', 'predictions-shards');
  const plan = await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 4 });
  // Shard 0 as the code before tables left it: its predictions folder, its score table, no predictions table.
  const names = fs
    .readFileSync(path.join(shardsDir, '0', 'images.txt'), 'utf8')
    .trim()
    .split('\n');
  const links = path.join(root, 'old-shard-images');
  fs.mkdirSync(links, { recursive: true });
  for (const n of names) fs.symlinkSync(path.join(infer.imagesDir, n), path.join(links, n));
  await new MockActivityEnvironment().run(inferImages, {
    ...infer,
    imagesDir: links,
    outDir: path.join(shardsDir, '0', 'predictions'),
  });
  const stems = names.map((n) => path.parse(n).name);
  await writeScoreTable(path.join(shardsDir, '0', 'predictions'), stems, path.join(shardsDir, '0', 'scores.tsv'));
  const folderBoxes = await readPoolPredictions(path.join(shardsDir, '0', 'predictions'));
  await new MockActivityEnvironment().run(inferShard, { infer, shardsDir, shard: 1 });

  const outDir = path.join(root, 'rounds', '3', 'predictions');
  expect(await mergePoolShards({ shardsDir, shards: plan.shards, outDir })).toMatchObject({ images: 8 });
  expect(fs.existsSync(path.join(shardsDir, '0', 'predictions'))).toBe(false);
  const merged = await readPoolPredictions(outDir);
  expect(merged.size).toBe(8);
  for (const stem of stems) expect(merged.get(stem)).toEqual(folderBoxes.get(stem));
  // Without the merged score table, selection's scores come from the tables, equal to the table's.
  const rows = fs.readdirSync(infer.imagesDir).sort();
  const fromTable = await rowScores(outDir, rows, 'uncertainty_entropy_mean');
  fs.renameSync(scoreTableOf(outDir), `${scoreTableOf(outDir)}.aside`);
  expect(await rowScores(outDir, rows, 'uncertainty_entropy_mean')).toEqual(fromTable);
  expect(fromTable.some((v) => v > 0)).toBe(true);
});

test("8 images embedded in shards of 3: the pool's embeddings CSV is that of one embedding of the whole pool", async () => {
  const embed = (projectDir: string): EmbedInput => ({
    projectDir,
    poolImagesDir: infer.imagesDir,
    method: 'backbone',
    epochs: 0,
    dim: 6,
    seed: 0,
    device: 'cpu',
  });
  const whole = (await new MockActivityEnvironment().run(
    embedPool,
    embed(path.join(root, 'whole-embedding')),
  )) as EmbeddingsSummary;
  const project = path.join(root, 'sharded-embedding');
  const shardsDir = path.join(project, 'embeddings-shards');
  const plan = await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 3 });
  const run = (shard: number) =>
    new MockActivityEnvironment().run(embedShard, { embed: embed(project), shardsDir, shard }) as Promise<ShardResult>;
  // Shard 2 first: the merge orders the shards' rows by shard, not by when they were done.
  const results = [await run(2), await run(0), await run(1)];
  expect(results.map((r) => [r.shard, r.images, r.reused])).toEqual([
    [2, 2, false],
    [0, 3, false],
    [1, 3, false],
  ]);
  expect(await run(0)).toMatchObject({ images: 3, reused: true });
  const merged = (await new MockActivityEnvironment().run(mergeEmbeddings, {
    embed: embed(project),
    shardsDir,
    shards: plan.shards,
  })) as EmbeddingsSummary;
  expect(merged).toMatchObject({ embeddingsPath: path.join(project, 'embeddings.csv'), count: 8, dim: 6 });
  expect(fs.readFileSync(merged.embeddingsPath, 'utf8')).toBe(fs.readFileSync(whole.embeddingsPath, 'utf8'));
  // Beside the CSV, the float32 matrix the loop's selection reads: the CSV's rows, as float32.
  const csv = await readEmbeddingsCsv(merged.embeddingsPath);
  for (const summary of [whole, merged]) {
    const matrix = (await readEmbeddingsMatrix(summary.embeddingsPath))!;
    expect(matrix.filenames).toEqual(csv.filenames);
    expect(Array.from(matrix.data)).toEqual(Array.from(csv.data, Math.fround));
  }
  // A worker killed between the CSV and the matrix: the retry writes the matrix, and embeds nothing again.
  fs.rmSync(matrixFiles(whole.embeddingsPath).matrix);
  const retried = (await new MockActivityEnvironment().run(
    embedPool,
    embed(path.join(root, 'whole-embedding')),
  )) as EmbeddingsSummary;
  expect(retried).toMatchObject({ count: 8, dim: 6, seconds: 0 });
  expect(await readMatrixSummary(whole.embeddingsPath)).toEqual({ count: 8, dim: 6 });
});

test('a merge of embeddings with a shard missing fails naming the folder, and writes nothing', async () => {
  const project = path.join(root, 'missing-shard');
  const shardsDir = path.join(project, 'embeddings-shards');
  const embed: EmbedInput = {
    projectDir: project,
    poolImagesDir: infer.imagesDir,
    epochs: 0,
    dim: 4,
    seed: 0,
    device: 'cpu',
  };
  await planPoolShards({ imagesDir: infer.imagesDir, shardsDir, shardImages: 5 });
  await new MockActivityEnvironment().run(embedShard, { embed, shardsDir, shard: 0 });
  await expect(new MockActivityEnvironment().run(mergeEmbeddings, { embed, shardsDir, shards: 2 })).rejects.toThrow(
    `${path.join(shardsDir, 'blocks')}: 1 shard blocks files, the plan has 2; embed the missing shards`,
  );
  expect(fs.existsSync(path.join(project, 'embeddings.csv'))).toBe(false);
});
