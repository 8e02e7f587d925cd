// Scale-out of a pool inference in shards: the same `poolInference` fan-out (workflows/pool-inference.ts)
// on real photographs with the real trainer, served by 1 and then by 2 GPU worker processes, each limited
// to one CPU thread (OMP_NUM_THREADS=1), standing in for one GPU host each. Everything runs as processes,
// as in production: a dev server, one CPU worker, the GPU workers.
//   npm run build && npx tsx bench/scale-out/pool-inference.ts [--workers 1,2] [--repeats 2] [--tile 120]
//     [--shard-images 35] [--dir DIR] [--out results.json]
// The pool: deepforest's 2019_YELL_2_528000_4978000_image_crop2 (2299x2472, NEON aerial RGB) cut into
// tiles; the model: the pretrained reference detector fine-tuned a few steps on them (its speed, not its
// accuracy, is measured). Each repetition runs every worker count in turn on a fresh shards folder, so
// slow drift of the machine falls on both; the predictions of every run must be identical.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readShardAttempts } from '../../activities/pool-shards';
import type { InferInput, InferResult } from '../../activities/types';
import { parseLoopConfig } from '../../core/config/loop-config';
import { TemporalServerProcess } from '../../tests/helpers/temporal-server-process';
import { WorkerProcess } from '../../tests/helpers/worker-process';
import type { PoolInferenceInput } from '../../workflows/pool-inference';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { writeTiles } from '../label-efficiency/pools';
import { trainer } from '../trainer-runs';
import { treePhotographs } from '../tree-photographs';

const list = (text: string) => text.split(',').map(Number);
const opts = new Command()
  .option('--workers <n,...>', 'GPU worker processes of each run', list, [1, 2])
  .option('--repeats <n>', 'times each worker count runs', Number, 2)
  .option('--tile <px>', 'tile side the photograph is cut into', Number, 120)
  .option('--shard-images <n>', 'images per shard', Number, 35)
  .option('--steps <n>', 'fine-tuning steps of the measured model (its speed is what counts)', Number, 10)
  .option('--dir <dir>', 'work folder (tiles and model kept for another run)')
  .option('--out <file>', 'results as JSON')
  .parse()
  .opts<{
    workers: number[];
    repeats: number;
    tile: number;
    shardImages: number;
    steps: number;
    dir?: string;
    out?: string;
  }>();

interface RunResult {
  workers: number;
  repeat: number;
  seconds: number;
  images: number;
  shards: number;
  /** Shards each worker process inferred. */
  shardsByWorker: number[];
  /** Mean seconds from a shard's start to its end, trainer start included. */
  meanShardSeconds: number;
}

async function main(): Promise<void> {
  const work = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-scale-out-'));
  fs.mkdirSync(work, { recursive: true });
  const photos = await treePhotographs(work);
  const tiles = path.join(work, `tiles-${opts.tile}`);
  writeTiles(photos.train.file, photos.train.labels!, tiles, opts.tile);
  const images = path.join(tiles, 'images');
  const count = fs.readdirSync(images).length;

  const modelDir = path.join(work, `model-${opts.steps}`);
  const model = path.join(modelDir, 'weights', 'epoch_001.pt');
  if (!fs.existsSync(model)) {
    console.log(`fine-tuning the pretrained detector ${opts.steps} steps on ${count} tiles ...`);
    trainer([
      'train',
      '--images',
      images,
      '--labels',
      path.join(tiles, 'labels'),
      '--out',
      modelDir,
      '--epochs',
      '1',
      '--min-steps',
      String(opts.steps),
      '--device',
      'cpu',
    ]);
  }
  const trained = fs
    .readdirSync(path.join(modelDir, 'weights'))
    .filter((f) => f.endsWith('.pt'))
    .sort()
    .pop()!;
  const infer: InferInput = {
    model: path.join(modelDir, 'weights', trained),
    imagesDir: images,
    outDir: '',
    threshold: 0.05,
    device: 'cpu',
  };
  const parsed = parseLoopConfig({
    project: 'scale-out',
    workspace: work,
    dataset: { path: tiles },
    selection: { initial: { size: { batchSize: 1 } }, rounds: { size: { batchSize: 1 } } },
    trainer: { device: 'cpu' },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));

  const state = path.join(work, 'processes');
  const server = await TemporalServerProcess.start(state);
  const client = await server.client();
  const oneThread = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const start = (queue: 'cpu' | 'gpu', name: string) =>
    WorkerProcess.start({
      address: server.address,
      queues: [queue],
      logFile: path.join(state, `${name}.log`),
      env: oneThread,
    });
  const cpuWorker = await start('cpu', 'cpu');
  const results: RunResult[] = [];
  let reference: string | undefined;
  try {
    for (let repeat = 1; repeat <= opts.repeats; repeat++) {
      for (const workers of opts.workers) {
        const gpus = [];
        for (let w = 0; w < workers; w++) gpus.push(await start('gpu', `gpu-${repeat}-${workers}-${w}`));
        const run = path.join(work, 'runs', `r${repeat}-w${workers}`);
        fs.rmSync(run, { recursive: true, force: true });
        const input: PoolInferenceInput = {
          config: parsed.config,
          round: repeat,
          infer: { ...infer, outDir: path.join(run, 'predictions') },
          shardsDir: path.join(run, 'shards'),
          shardImages: opts.shardImages,
          inFlight: workers,
        };
        const began = Date.now();
        const result = (await client.workflow.execute('poolInference', {
          taskQueue: CPU_TASK_QUEUE,
          workflowId: `scale-out-r${repeat}-w${workers}`,
          args: [input],
        })) as InferResult;
        const seconds = (Date.now() - began) / 1000;
        await Promise.all(gpus.map((g) => g.stop()));

        const records = await readShardAttempts(input.shardsDir);
        const starts = new Map(records.filter((r) => r.event === 'start').map((r) => [r.shard, r]));
        const dones = records.filter((r) => r.event === 'done');
        const shardSeconds = dones.map((d) => (Date.parse(d.at) - Date.parse(starts.get(d.shard)!.at)) / 1000);
        const row: RunResult = {
          workers,
          repeat,
          seconds,
          images: result.images,
          shards: dones.length,
          shardsByWorker: gpus.map((g) => dones.filter((d) => d.pid === g.pid).length),
          meanShardSeconds: shardSeconds.reduce((a, b) => a + b, 0) / shardSeconds.length,
        };
        results.push(row);
        console.log(JSON.stringify(row));

        const files = fs.readdirSync(result.predictionsDir).sort();
        const digest = files
          .map((f) => `${f}\n${fs.readFileSync(path.join(result.predictionsDir, f), 'utf8')}`)
          .join('\n');
        if (result.images !== count) throw new Error(`${result.images} predictions for ${count} images`);
        if (reference !== undefined && digest !== reference)
          throw new Error(`run r${repeat}-w${workers}: predictions differ from the first run's`);
        reference = digest;
      }
    }
  } finally {
    await cpuWorker.stop();
    await client.connection.close();
    await server.stop();
  }

  const mean = (w: number) => {
    const rows = results.filter((r) => r.workers === w);
    return rows.reduce((a, r) => a + r.seconds, 0) / rows.length;
  };
  const base = opts.workers[0];
  console.log(
    `\n${count} tiles of ${opts.tile}x${opts.tile} px, shards of ${opts.shardImages}; ${os.cpus().length} x ${os.cpus()[0]?.model}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
  );
  console.log('| GPU worker processes | wall s (each run) | mean wall s | images/s | speed-up over ' + base + ' |');
  console.log('|---|---|---|---|---|');
  for (const w of opts.workers) {
    const rows = results.filter((r) => r.workers === w);
    console.log(
      `| ${w} | ${rows.map((r) => r.seconds.toFixed(1)).join(', ')} | ${mean(w).toFixed(1)} | ${(count / mean(w)).toFixed(1)} | ${(mean(base) / mean(w)).toFixed(2)}x |`,
    );
  }
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify({ tiles: count, ...opts, results }, null, 2) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
