// The CPU steps of a round at a pool of N images (#14 point 3): ingest (prepareProject), CORAL selection of
// K images from N x D embeddings weighted by each image's score from its predictions, and the export of the
// batch with pre-labels; the wall time of each and the process's peak RSS after it (process.resourceUsage,
// a running maximum), run as the CPU worker runs them (each activity function in an activity context).
//   npx tsx bench/scale-out/cpu-steps.ts [--images 1000000] [--select 1000] [--dim 32] [--labelled 1000] [--dir DIR]
// The pool: N hard links to 64x48 PNGs in an images-only folder (ingest reads every file's header as
// it would real images'); the embeddings: clustered unit rows (bench/selection/rows.ts); the predictions:
// a KITTI file per image in shards of SHARD_IMAGES, as the backend writes them, hard links to 64 variants with
// 2 to 40 boxes of varied scores. From them, as the GPU workers and the merge write them (timed apart): the
// float32 embeddings matrix, and each shard's predictions and score tables, joined into the round's.
// Setup is not timed. Run it twice on one workspace for selection's own memory: the second run's ingest
// finds the manifest. Targets (#14): ingest <= 2 minutes, CORAL selection of 1,000 <= 10 s, no process over 2 GB.
import { MockActivityEnvironment } from '@temporalio/testing';
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportBatch } from '../../activities/annotation';
import { prepareProject } from '../../activities/prepare';
import { selectBatch } from '../../activities/select';
import type { SelectBatchInput } from '../../activities/types';
import { parseLoopConfig } from '../../core/config/loop-config';
import { mergePoolShards, planPoolShards, shardImageNames } from '../../activities/pool-shards';
import { readMatrixSummary, writeEmbeddingsMatrix } from '../../core/selection/embeddings-matrix';
import { layout } from '../../core/workspace-layout';
import { generateRows } from '../selection/rows';
import { poolDataset as dataset, poolImageName as name } from './pool-dataset';

const opts = new Command()
  .option('--images <n>', 'pool images', Number, 1_000_000)
  .option('--select <n>', 'images CORAL selects', Number, 1000)
  .option('--dim <n>', 'embedding width', Number, 32)
  .option('--labelled <n>', 'images labelled before the selection (its centres, as from round 2 on)', Number, 1000)
  .option('--dir <dir>', 'work folder (the dataset is kept for another run)')
  .option('--workspace <dir>', "a workspace of an earlier run, kept: its project's ingest is reused (timed as a retry)")
  .parse()
  .opts<{ images: number; select: number; dim: number; labelled: number; dir?: string; workspace?: string }>();

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Lightly's CSV of clustered unit rows for the pool's names, written in pieces. */
function embeddingsCsv(file: string, n: number, dim: number): void {
  const rows = generateRows('clustered', n, dim, 7);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `filenames,${Array.from({ length: dim }, (_, d) => `embedding_${d}`).join(',')},labels\n`);
  let piece: string[] = [];
  for (let i = 0; i < n; i++) {
    const values = Array.from(rows.subarray(i * dim, (i + 1) * dim), (v) => v.toFixed(6));
    piece.push(`${name(i)}.png,${values.join(',')},0`);
    if (piece.length === 10_000 || i === n - 1) {
      fs.writeSync(fd, `${piece.join('\n')}\n`);
      piece = [];
    }
  }
  fs.closeSync(fd);
}

/** Images a shard of the pool's inference holds here (the loop's `shards.images` at a million). */
const SHARD_IMAGES = 10_000;

/**
 * Each shard's predictions folder as the backend leaves it: a KITTI file per image, hard links to 64
 * variants of 2 to 40 boxes with varied scores.
 */
async function shardPredictionFolders(shardsDir: string, shards: number): Promise<void> {
  const variants = Array.from({ length: 64 }, (_, v) => {
    const file = path.join(shardsDir, `.variant-${v}.txt`);
    const boxes = 2 + ((v * 7) % 39);
    const lines = Array.from({ length: boxes }, (_, b) => {
      const score = (((v + 1) * (b + 3) * 37) % 97) / 100 + 0.02;
      const x = (b * 5) % 50;
      return `apple 0 0 0 ${x} ${x % 30} ${x + 10} ${(x % 30) + 12} 0 0 0 0 0 0 0 ${score.toFixed(4)}`;
    });
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  });
  let i = 0;
  for (let k = 0; k < shards; k++) {
    const folder = path.join(shardsDir, String(k), 'predictions');
    fs.mkdirSync(folder, { recursive: true });
    for (const image of await shardImageNames(shardsDir, k))
      fs.linkSync(variants[(i++ * 2654435761) % 64], path.join(folder, `${path.parse(image).name}.txt`));
  }
  for (const v of variants) fs.rmSync(v);
}

/** An activity function run in an activity context (its Context.current() works), as the CPU worker runs it. */
function asActivity<I, R>(fn: (input: I) => Promise<R>, input: I): Promise<R> {
  return new MockActivityEnvironment().run<[I], R, (input: I) => Promise<R>>(fn, input);
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<{ value: T; row: string }> {
  const started = Date.now();
  const value = await run();
  const seconds = (Date.now() - started) / 1000;
  const row = `| ${what} | ${seconds.toFixed(1)} | ${peakMb()} |`;
  console.log(row); // as it comes: a step that fails later does not take the earlier ones' numbers with it
  return { value, row };
}

async function main(): Promise<void> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-cpu-steps-'));
  fs.mkdirSync(dir, { recursive: true });
  const n = opts.images;
  console.log(`setting up ${n} images ...`);
  const data = dataset(dir, n);
  const workspace = opts.workspace ?? fs.mkdtempSync(path.join(dir, 'workspace-'));
  const parsed = parseLoopConfig({
    project: 'scale',
    workspace,
    dataset: { path: data },
    selection: {
      initial: { size: { batchSize: opts.select } },
      rounds: { method: 'CORAL', size: { batchSize: opts.select } },
    },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config = parsed.config;
  const rows: string[] = [];

  const ingest = await timed('ingest (prepareProject)', () => asActivity(prepareProject, config));
  rows.push(ingest.row);
  const prepared = ingest.value;
  if (prepared.poolCount !== n) throw new Error(`ingest kept ${prepared.poolCount} of ${n} images`);

  const embeddingsPath = layout.embeddings(prepared.projectDir);
  if (!fs.existsSync(embeddingsPath)) embeddingsCsv(embeddingsPath, n, opts.dim);
  const predictionsDir = layout.predictions(prepared.projectDir, 1);
  // What the GPU workers write for selection (#14 point 2): the float32 matrix beside the CSV, written by
  // the embedding activity; each shard's predictions table and score table, written where the shard is
  // inferred; and the merge's folder of tables and joined score table. Timed for the record, not among the
  // CPU worker's steps; a kept workspace has them already.
  if (!(await readMatrixSummary(embeddingsPath)))
    rows.push(
      (
        await timed('(GPU worker, once a loop) embeddings matrix from the CSV', () =>
          writeEmbeddingsMatrix(embeddingsPath),
        )
      ).row,
    );
  if (!fs.existsSync(predictionsDir)) {
    const shardsDir = layout.predictionShards(prepared.projectDir, 1);
    const plan = await planPoolShards({
      imagesDir: layout.poolImages(prepared.projectDir),
      shardsDir,
      shardImages: SHARD_IMAGES,
    });
    await shardPredictionFolders(shardsDir, plan.shards);
    rows.push(
      (
        await timed(
          `(GPU workers, each its shard; then the merge) ${plan.shards} shards' predictions and score tables`,
          () => mergePoolShards({ shardsDir, shards: plan.shards, outDir: predictionsDir }),
        )
      ).row,
    );
  }
  // a kept workspace's earlier selection and export would be returned as they are
  fs.rmSync(path.join(prepared.projectDir, 'rounds', '2'), { recursive: true, force: true });

  // The labelled set a round-2 selection starts from: every `images / labelled`-th pool image, spread over
  // the pool as a first batch is. Its rows are the selection's first centres.
  const labelledPath = path.join(prepared.projectDir, 'rounds', '1', 'labelled.json');
  const step = Math.max(1, Math.floor(n / Math.max(1, opts.labelled)));
  const labelled = Array.from({ length: Math.min(opts.labelled, n) }, (_, j) => name(j * step));
  fs.mkdirSync(path.dirname(labelledPath), { recursive: true });
  fs.writeFileSync(
    labelledPath,
    JSON.stringify({
      round: 1,
      images: labelled.map((l) => ({ name: l, image: `${l}.png`, labels: `${l}.txt`, round: 1 })),
    }),
  );

  const coral: SelectBatchInput = {
    projectDir: prepared.projectDir,
    manifestPath: prepared.manifestPath,
    embeddingsPath,
    round: 2,
    labelledPath: opts.labelled > 0 ? labelledPath : undefined,
    method: 'CORAL',
    size: { batchSize: opts.select },
    seed: 2,
    predictionsDir,
    score: config.selection.rounds.score,
    strength: config.selection.rounds.strength,
  };
  const selection = await timed(
    `CORAL selection of ${opts.select}, ${opts.labelled} labelled (embeddings matrix, score table)`,
    () => asActivity(selectBatch, coral),
  );
  rows.push(selection.row);
  if (selection.value.count !== opts.select) throw new Error(`selected ${selection.value.count}`);

  const exported = await timed(`export of the batch with pre-labels (from the predictions tables)`, () =>
    asActivity(exportBatch, {
      projectDir: prepared.projectDir,
      round: 2,
      selectionPath: selection.value.selectionPath,
      prelabelsDir: predictionsDir,
    }),
  );
  rows.push(exported.row);

  console.log(`\n${n} pool images, ${opts.dim}-d embeddings; ${os.cpus().length} x ${os.cpus()[0]?.model}\n`);
  console.log('| step | seconds | peak RSS of the process so far (MB) |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(row);
  if (!opts.workspace) fs.rmSync(workspace, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
