// Load benchmark: N active-learning loops at once on one dev server and one worker pair (both queues in
// this process), tiny images, 1-epoch training, the simulated annotator answering every batch.
//   npm run bench:load -- [--loops 100] [--rounds 2] [--gpu-concurrency 4] [--out bench-load.json]
// Records completed loops, failed workflow tasks (WorkflowTaskFailed events in every run's history: must
// be 0), history events per round (= per run, as each round ends in continueAsNew), the worker process's
// RSS over time (the trainer children are separate processes, not counted) and wall time.
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulatedAnnotator } from '../../cli/annotator/simulated-annotator';
import { synthesizeOrchard } from '../../cli/commands/dataset';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { createWorkers } from '../../worker/workers';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { startDevServer } from '../../tests/helpers/dev-server';

const program = new Command()
  .option('--loops <n>', 'loops started at once', Number, 10)
  .option('--rounds <n>', 'rounds per loop (each a continueAsNew run)', Number, 2)
  .option('--gpu-concurrency <n>', 'GPU-queue activities at once', Number, 4)
  .option('--images <n>', 'images in the shared tiny orchard', Number, 16)
  .option('--out <file>', 'write the results as JSON here too')
  .parse();
const opts = program.opts<{ loops: number; rounds: number; gpuConcurrency: number; images: number; out?: string }>();

function loopConfig(project: string, dataset: string, workspace: string): LoopConfigInput {
  return {
    project,
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'RANDOM', size: { nTotal: 4 } },
      rounds: { method: 'CORAL', size: { batchSize: 2 } },
    },
    embedding: { epochs: 1, dim: 8 },
    trainer: { epochs: 1, minSteps: 0, checkpointInterval: 1, device: 'cpu', inputSize: '64x64', batchSize: 4 },
    stop: { maxRounds: opts.rounds },
  };
}

interface RunHistory {
  workflowId: string;
  runId: string;
  events: number;
  workflowTaskFailed: number;
  signals: number;
}

/** Every run of a loop (continueAsNew chain), with its event counts. */
async function histories(client: Client, workflowId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    const count = (type: number) => events.filter((e) => Number(e.eventType) === type).length;
    runs.push({
      workflowId,
      runId: execution.runId,
      events: events.length,
      workflowTaskFailed: count(WORKFLOW_TASK_FAILED),
      signals: count(WORKFLOW_EXECUTION_SIGNALED),
    });
  }
  return runs;
}

// temporal.api.enums.v1.EventType numbers, as fetchHistory returns them.
const WORKFLOW_TASK_FAILED = 9;
const WORKFLOW_EXECUTION_SIGNALED = 26;

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-load-'));
  const dataset = path.join(base, 'orchard');
  synthesizeOrchard({ out: dataset, count: opts.images, seed: 3, width: 96, height: 64 });
  const env = await startDevServer();
  const client = env.client;
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    queues: ['cpu', 'gpu'],
    gpuConcurrency: opts.gpuConcurrency,
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const annotatorStop = new AbortController();
  const annotator = runSimulatedAnnotator(client, {
    delayMs: 0,
    pollMs: 500,
    signal: annotatorStop.signal,
    log: () => undefined,
  });

  const rss: { s: number; mb: number }[] = [];
  const started = Date.now();
  const sample = () =>
    rss.push({ s: Math.round((Date.now() - started) / 1000), mb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  sample();
  const sampler = setInterval(sample, 5000);

  const ids = Array.from({ length: opts.loops }, (_, i) => `pomona-load-${i}`);
  const handles = await Promise.all(
    ids.map((id, i) =>
      client.workflow.start(activeLearningLoop, {
        taskQueue: CPU_TASK_QUEUE,
        workflowId: id,
        args: [loopConfig(`load-${i}`, dataset, path.join(base, 'ws'))],
      }),
    ),
  );
  const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
  const wallSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  sample();
  annotatorStop.abort();
  await annotator;

  const runs = (await Promise.all(ids.map((id) => histories(client, id)))).flat();
  const completed = outcomes.filter((o) => o.status === 'fulfilled' && o.value.rounds === opts.rounds).length;
  const failures = outcomes.flatMap((o, i) =>
    o.status === 'rejected' ? [`${ids[i]}: ${(o.reason as Error).message}`] : [],
  );
  const results = {
    loops: opts.loops,
    rounds: opts.rounds,
    gpuConcurrency: opts.gpuConcurrency,
    completed,
    failures: failures.slice(0, 5),
    failedWorkflowTasks: runs.reduce((n, r) => n + r.workflowTaskFailed, 0),
    runs: runs.length,
    historyEventsPerRound: stats(runs.map((r) => r.events)),
    signalsPerRound: stats(runs.map((r) => r.signals)),
    workerRssMb: { ...stats(rss.map((r) => r.mb)), samples: rss },
    wallSeconds: Math.round(wallSeconds),
    cpus: os.cpus().length,
    loadAverage1m: os.loadavg()[0],
  };
  console.log(
    JSON.stringify({ ...results, workerRssMb: { ...results.workerRssMb, samples: `${rss.length} samples` } }, null, 2),
  );
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify(results, null, 2));

  for (const w of workers) w.shutdown();
  await running;
  await env.teardown();
  fs.rmSync(base, { recursive: true, force: true });
  if (completed !== opts.loops || results.failedWorkflowTasks !== 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
