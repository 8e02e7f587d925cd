// One round of the loop on a pool of a million images with 4 GPU workers (#14 point 5a), every part a
// process as in production: a Temporal dev server, one CPU worker and G GPU workers (`pomona worker`). The
// GPU work of a million images cannot run on this machine, so the GPU workers run the stand-in trainer
// (tests/stand-in-trainer: the trainer's command-line contract, predictions and embeddings drawn from each
// image's bytes, no learning); everything else is pomona's own: ingest, the sharded embedding and pool
// inference (child workflows over every GPU worker), selection, the export, the import of the labels.
//   npm run build && npx tsx bench/scale-out/round-at-scale.ts [--images 1000000] [--gpu-workers 4]
//     [--shard-images 10000] [--batch 1000] [--dir DIR] [--out results.json]
// The loop: an images-only pool (bench/scale-out/pool-dataset.ts), CORESET for the first batch, the bench
// labels it (one box an image, as a person would submit it), the stand-in trains, the pool is inferred in
// shards, CORAL picks the second batch from the predictions' scores; the bench stops when that batch waits
// for people. Measured: each activity's and child workflow's wall time (from the histories), the history
// events of each workflow, and the peak memory of every process (the workers' VmHWM, the trainers' RSS
// sampled each second). Targets (#14): history per round <= 2,000 events, no process over 2 GB.
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { temporal } from '@temporalio/proto';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { fileStem } from '../../core/formats/images';
import { waitForStatus } from '../../tests/helpers/loop-driver';
import { standInTrainerEnv } from '../../tests/helpers/stand-in-trainer-env';
import { TemporalServerProcess } from '../../tests/helpers/temporal-server-process';
import { WorkerProcess } from '../../tests/helpers/worker-process';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { submitAnnotations } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { poolDataset } from './pool-dataset';

const opts = new Command()
  .option('--images <n>', 'pool images', Number, 1_000_000)
  .option('--gpu-workers <n>', 'GPU worker processes', Number, 4)
  .option('--shard-images <n>', 'images per shard (shards.images)', Number, 10_000)
  .option('--batch <n>', 'images each selection picks', Number, 1000)
  .option(
    '--cpu-heap-mb <mb>',
    "the CPU worker's V8 heap limit (NODE_OPTIONS=--max-old-space-size), as docs/operations.md advises",
    Number,
  )
  .option('--dir <dir>', 'work folder (the dataset is kept for another run)')
  .option('--out <file>', 'results as JSON')
  .parse()
  .opts<{
    images: number;
    gpuWorkers: number;
    shardImages: number;
    batch: number;
    cpuHeapMb?: number;
    dir?: string;
    out?: string;
  }>();

type History = temporal.api.history.v1.IHistory;
const seconds = (t: unknown) => {
  const ts = t as { seconds?: { toNumber(): number } | number; nanos?: number } | undefined;
  const s = typeof ts?.seconds === 'number' ? ts.seconds : (ts?.seconds?.toNumber() ?? 0);
  return s + (ts?.nanos ?? 0) / 1e9;
};

/** Wall seconds of each activity (scheduled to closed, retries included) and child workflow in a history. */
function stepTimes(history: History): { step: string; seconds: number }[] {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const steps: { step: string; seconds: number }[] = [];
  for (const e of events) {
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed) {
      const scheduled = byId.get(Number(closed.scheduledEventId));
      const name = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      steps.push({ step: `activity ${name}`, seconds: seconds(e.eventTime) - seconds(scheduled?.eventTime) });
    }
    const child = e.childWorkflowExecutionCompletedEventAttributes;
    if (child) {
      const initiated = byId.get(Number(child.initiatedEventId));
      const type = initiated?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? '?';
      steps.push({ step: `child workflow ${type}`, seconds: seconds(e.eventTime) - seconds(initiated?.eventTime) });
    }
  }
  return steps;
}

/** Peak resident memory (MB) of a live process, from the kernel's high-water mark. */
function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** Samples every process's RSS each second; keeps the largest seen per kind of command line. */
function sampleMemory(): { stop(): Record<string, number> } {
  const peaks: Record<string, number> = {};
  const kind = (args: string) =>
    /stand_in_trainer|pomona_trainer/.test(args)
      ? `trainer ${/pomona_trainer (\w+)/.exec(args)?.[1] ?? ''}`.trim()
      : /temporal/.test(args)
        ? 'temporal server'
        : /pomona\.js worker/.test(args)
          ? `worker ${/--queues (\w+)/.exec(args)?.[1] ?? ''}`
          : null;
  const timer = setInterval(() => {
    const table = execFileSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8' });
    for (const line of table.split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      const k = m && kind(m[2]);
      if (k) peaks[k] = Math.max(peaks[k] ?? 0, Math.round(Number(m[1]) / 1024));
    }
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

async function main(): Promise<void> {
  const work = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-round-at-scale-'));
  fs.mkdirSync(work, { recursive: true });
  console.log(`setting up ${opts.images} images ...`);
  const dataset = poolDataset(work, opts.images);
  const run = fs.mkdtempSync(path.join(work, 'run-'));
  const workspace = path.join(run, 'workspace');
  const state = path.join(run, 'processes');
  fs.mkdirSync(state, { recursive: true });

  const server = await TemporalServerProcess.start(state);
  const client = await server.client();
  const env = standInTrainerEnv(0, 0);
  const heap: Record<string, string> = opts.cpuHeapMb ? { NODE_OPTIONS: `--max-old-space-size=${opts.cpuHeapMb}` } : {};
  const start = (queue: 'cpu' | 'gpu', name: string) =>
    WorkerProcess.start({
      address: server.address,
      queues: [queue],
      logFile: path.join(state, `${name}.log`),
      env: queue === 'cpu' ? { ...env, ...heap } : env,
    });
  const cpuWorker = await start('cpu', 'cpu');
  const gpuWorkers: WorkerProcess[] = [];
  for (let w = 0; w < opts.gpuWorkers; w++) gpuWorkers.push(await start('gpu', `gpu-${w}`));
  const memory = sampleMemory();

  const config: LoopConfigInput = {
    project: 'scale',
    workspace,
    dataset: { path: dataset },
    selection: {
      initial: { method: 'CORESET', size: { batchSize: opts.batch } },
      rounds: { method: 'CORAL', size: { batchSize: opts.batch } },
    },
    embedding: { method: 'scene', dim: 32 },
    trainer: { epochs: 1, minSteps: 0, device: 'cpu' },
    shards: { images: opts.shardImages, inFlight: 2 * opts.gpuWorkers },
    stop: { maxRounds: 2 },
  };
  const workflowId = `round-at-scale-${path.basename(run)}`;
  const began = Date.now();
  const marks: { what: string; seconds: number }[] = [];
  const mark = (what: string) => {
    marks.push({ what, seconds: (Date.now() - began) / 1000 });
    console.log(`${marks.at(-1)!.seconds.toFixed(1)} s: ${what}`);
  };
  let failure: Error | undefined;
  try {
    const handle = await client.workflow.start(activeLearningLoop, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId,
      args: [config],
    });
    const awaiting = (round: number) =>
      waitForStatus(
        handle,
        (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === round,
        `the round ${round} batch`,
        3 * 3600_000,
      );
    const first = await awaiting(1);
    mark('round 1 batch waits for people (ingest, embedding, CORESET, export)');
    // The batch's labels, as a person would submit them: one box an image.
    const labelsDir = path.join(run, 'labels-round-1');
    fs.mkdirSync(labelsDir, { recursive: true });
    const listed = fs.readFileSync(first.pendingBatch!.imageListPath, 'utf8').split('\n').filter(Boolean);
    for (const image of listed)
      fs.writeFileSync(path.join(labelsDir, `${fileStem(image)}.txt`), 'apple 0 0 0 8 8 24 26 0 0 0 0 0 0 0\n');
    const imported = await handle.executeUpdate(submitAnnotations, { args: [{ round: 1, labelsDir }] });
    if (!imported.ok) throw new Error(`labels rejected: ${imported.problems.join('; ')}`);
    mark(`round 1 labels imported (${listed.length} images)`);
    const second = await awaiting(2);
    mark('round 2 batch waits for people (training, pool inference, CORAL, export)');
    if (second.pendingBatch!.count !== opts.batch) throw new Error(`round 2 batch of ${second.pendingBatch!.count}`);
    await handle.terminate('the bench measured one round');
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  const processPeaks = memory.stop();
  const workerPeaks = {
    'worker cpu (VmHWM)': peakRssMb(cpuWorker.pid),
    ...Object.fromEntries(gpuWorkers.map((g, i) => [`worker gpu ${i} (VmHWM)`, peakRssMb(g.pid)])),
  };

  // Every workflow of the loop: its runs and its children, with their events and steps.
  const workflows: {
    id: string;
    runId: string;
    type: string;
    events: number;
    steps: { step: string; seconds: number }[];
  }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH "${workflowId}"` })) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    workflows.push({
      id: w.workflowId,
      runId: w.runId,
      type: w.type,
      events: history.events?.length ?? 0,
      steps: stepTimes(history),
    });
  }
  await Promise.all([cpuWorker, ...gpuWorkers].map((w) => w.stop()));
  await client.connection.close();
  await server.stop();
  if (failure) throw failure;

  console.log(
    `\n${opts.images} pool images, ${opts.gpuWorkers} GPU worker processes (stand-in trainer), shards of ${opts.shardImages}, batches of ${opts.batch}; ${os.cpus().length} x ${os.cpus()[0]?.model}\n`,
  );
  console.log('| workflow (run) | events | step | wall s |\n|---|---|---|---|');
  for (const w of workflows)
    for (const [i, s] of (w.steps.length ? w.steps : [{ step: '-', seconds: 0 }]).entries())
      console.log(
        `| ${i ? '' : `${w.type} ${w.id.slice(workflowId.length) || '(loop)'} ${w.runId.slice(0, 8)}`} | ${i ? '' : w.events} | ${s.step} | ${s.seconds.toFixed(1)} |`,
      );
  console.log('\n| process | peak MB |\n|---|---|');
  for (const [k, v] of Object.entries({ ...workerPeaks, ...processPeaks })) console.log(`| ${k} | ${v} |`);
  if (opts.out)
    fs.writeFileSync(
      opts.out,
      `${JSON.stringify({ ...opts, marks, workflows, memoryMb: { ...workerPeaks, ...processPeaks } }, null, 2)}\n`,
    );
  fs.rmSync(run, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
