// `pomona demo`: the whole loop on a laptop. Starts the dev server unless it is running, and workers of its own;
// generates a synthetic orchard, runs a 3-round loop with the simulated annotator and the CPU trainer,
// prints each round's labelled count and mAP, and leaves the loop in the Web UI. With --label-studio, the
// batches go to a local Label Studio server (started unless running) where the simulated annotator labels
// them through its API, and webhooks to a receiver in this process wake the loop; Label Studio stays open.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLoopConfig, type LoopConfig, type LoopConfigInput } from '../../core/config/loop-config';
import { repositoryRoot } from '../../core/io/repository-root';
import type { activeLearningLoop } from '../../workflows/active-learning-loop';
import { status as statusQuery, type LoopResult } from '../../workflows/messages';
import { temporalTargetFromEnv } from '../../worker/connection-options';
import { runSimulatedAnnotator } from '../annotator/simulated-annotator';
import { CliError } from '../cli-error';
import { integer } from '../option-parsers';
import { connectClient } from '../temporal-client';
import { synthesizeOrchard } from './dataset';
import { runDevServerScript } from './server';
import { startLoop } from './start';
import { startWorkers, type RunningWorkers } from '../../worker/start-workers';
import { WEBHOOK_SECRET_ENV, WEBHOOK_URL_ENV } from '../../activities/label-studio/hand-off';
import { LABEL_STUDIO_TOKEN_ENV } from '../../activities/label-studio/label-studio-client';
import { startWebhookReceiver, type WebhookReceiver } from '../../worker/label-studio-webhooks';
import { startLabelStudio, type RunningLabelStudio } from '../label-studio/label-studio-server';

export interface DemoOptions {
  images: number;
  rounds: number;
  epochs: number;
  dir: string;
  /** Label in a local Label Studio server instead of folders. */
  labelStudio?: boolean;
}

export function demoConfig(
  opts: DemoOptions,
  project: string,
  datasetDir: string,
  labelStudioUrl?: string,
): LoopConfig {
  const input: LoopConfigInput = {
    project,
    workspace: path.join(opts.dir, 'workspace'),
    dataset: { path: datasetDir, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'CORESET', size: { nTotal: 20 } },
      rounds: { method: 'CORAL', size: { batchSize: 20 } },
      seed: 0,
    },
    embedding: { epochs: 3, dim: 32 },
    // 40 steps a round: the pretrained detector fine-tunes from the last round's weights, and the demo stays short
    trainer: { epochs: opts.epochs, minSteps: 40, checkpointInterval: 5, device: 'auto', seed: 0, fineTune: true },
    stop: { maxRounds: opts.rounds },
    ...(labelStudioUrl
      ? {
          annotation: {
            tool: 'label-studio',
            labelStudio: { url: labelStudioUrl, filesRoot: opts.dir, pollEvery: '30s' },
          },
        }
      : {}),
  };
  const parsed = parseLoopConfig(input);
  if (!parsed.ok) throw new CliError(`demo config: ${parsed.problems.join('; ')}`);
  return parsed.config;
}

async function reachable(): Promise<Client | null> {
  try {
    const client = await connectClient();
    await client.workflowService.getSystemInfo({});
    return client;
  } catch {
    return null;
  }
}

export async function runDemo(opts: DemoOptions): Promise<LoopResult> {
  const started = Date.now();
  const say = (line: string) =>
    console.log(`[demo ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`);

  let client = await reachable();
  if (!client) {
    const target = temporalTargetFromEnv();
    if (!/^(localhost|127\.0\.0\.1)(:|$)/.test(target.address))
      throw new CliError(`cannot reach Temporal at ${target.address}`);
    runDevServerScript('start');
    client = await connectClient();
  }

  const datasetDir = path.join(opts.dir, 'orchard');
  if (!fs.existsSync(path.join(datasetDir, 'masks'))) {
    say(`generating a synthetic orchard (${opts.images} images) in ${datasetDir}`);
    synthesizeOrchard({ out: datasetDir, count: opts.images, seed: 0 });
  }

  // One Ctrl-C stops the demo: watching, the annotator and the workers (whose shutdown cancels a running
  // trainer); the loop itself stays on the server. Listening before the workers start matters: the SDK's
  // own handler removes itself on the first signal, and execa's exit hook would then re-raise SIGINT and
  // kill the process mid-shutdown; without a listener of ours, the demo watched on after it until a
  // second Ctrl-C. A second Ctrl-C quits at once.
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    say('interrupted: stopping the annotator and the workers (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const interrupted = new Promise<void>((resolve) =>
    controller.signal.addEventListener('abort', () => resolve(), { once: true }),
  );

  // The demo always runs its own workers: the server keeps listing a dead worker's pollers for minutes,
  // so "workers are running" cannot be told from "were running". Other live workers only add capacity.
  let labelStudio: RunningLabelStudio | undefined;
  let receiver: WebhookReceiver | undefined;
  if (opts.labelStudio) {
    say('starting Label Studio (about 30 s the first time)');
    labelStudio = await startLabelStudio({ filesRoot: opts.dir }).catch((err: Error) => {
      throw new CliError(`label-studio: ${err.message}`);
    });
    // The workers run in this process: this is their environment, as LABEL_STUDIO_API_KEY would be a worker's.
    const secret = crypto.randomBytes(16).toString('hex');
    receiver = await startWebhookReceiver({ client, secret, port: 0, log: () => undefined });
    Object.assign(process.env, {
      [LABEL_STUDIO_TOKEN_ENV]: labelStudio.token,
      [WEBHOOK_URL_ENV]: receiver.url,
      [WEBHOOK_SECRET_ENV]: secret,
    });
    say(`Label Studio at ${labelStudio.url} (sign in as ${labelStudio.user}, password in ${labelStudio.passwordFile})`);
  }

  say('starting workers in this process: pomona-cpu, pomona-gpu');
  let workers: RunningWorkers | undefined;
  try {
    workers = await startWorkers(['cpu', 'gpu']);
    return await watchLoop(
      client,
      demoConfig(opts, `demo-${timestamp()}`, datasetDir, labelStudio?.url),
      controller.signal,
      interrupted,
      say,
    );
  } finally {
    controller.abort();
    await workers?.shutdown();
    await receiver?.close();
    if (labelStudio) say(`Label Studio stays open at ${labelStudio.url}; stop it with npx pomona label-studio stop`);
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

/** Starts the demo loop with its simulated annotator and prints its progress until it ends or is interrupted. */
async function watchLoop(
  client: Client,
  config: LoopConfig,
  stopped: AbortSignal,
  interrupted: Promise<void>,
  say: (line: string) => void,
): Promise<LoopResult> {
  const annotators = new AbortController();
  const annotator = runSimulatedAnnotator(client, {
    delayMs: 1000,
    workflowId: `pomona-${config.project}`,
    signal: AbortSignal.any([stopped, annotators.signal]),
    log: say,
  });
  try {
    const workflowId = await startLoop(config);
    const ui = `http://localhost:8233/namespaces/${client.options.namespace}/workflows/${workflowId}`;
    say(`started ${workflowId}; watch it in the Web UI: ${ui}`);
    const printed = new Set<number>();
    let lastPhase = '';
    const handle = client.workflow.getHandle<typeof activeLearningLoop>(workflowId);
    const result = handle.result();
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => undefined);
    while (!finished && !stopped.aborted) {
      try {
        const s = await handle.query(statusQuery);
        const phase = `${s.round}/${s.phase}`;
        if (phase !== lastPhase)
          say(
            `round ${s.round}: ${s.phase}${s.phase === 'awaiting-annotation' && s.pendingBatch ? ` (${s.pendingBatch.count} images)` : ''}`,
          );
        lastPhase = phase;
        for (const m of s.metrics) {
          if (!printed.has(m.round))
            say(
              `round ${m.round}: ${m.labelled} labelled images -> mAP@0.5 ${m.map50.toFixed(3)} (COCO AP ${m.cocoAp.toFixed(3)})`,
            );
          printed.add(m.round);
        }
      } catch {
        // between runs of continueAsNew; ask again
      }
      await Promise.race([result.catch(() => undefined), interrupted, new Promise((r) => setTimeout(r, 1000))]);
    }
    if (!finished) {
      throw new CliError(
        `interrupted. ${workflowId} stays on the server: \`npx pomona worker\` and \`npx pomona annotator --simulate\` continue it, \`temporal workflow cancel -w ${workflowId}\` ends it`,
        130,
      );
    }
    const final = await result;
    for (const m of final.metrics)
      if (!printed.has(m.round))
        say(
          `round ${m.round}: ${m.labelled} labelled images -> mAP@0.5 ${m.map50.toFixed(3)} (COCO AP ${m.cocoAp.toFixed(3)})`,
        );
    const first = final.metrics[0];
    const last = final.metrics[final.metrics.length - 1];
    say(
      `done: ${final.rounds} rounds, ${final.labelled} labelled, mAP@0.5 ${first?.map50.toFixed(3)} -> ${last?.map50.toFixed(3)} (${final.stopReason})`,
    );
    say(`inspect it: ${ui}  (artifacts: ${path.join(config.workspace, config.project)})`);
    return final;
  } finally {
    annotators.abort();
    await annotator;
  }
}

/** A project-name-safe UTC timestamp, e.g. 20261128-190531. */
function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a 3-round active-learning loop on a synthetic orchard, end to end, on this machine')
    .option('--images <n>', 'synthetic images (pool + validation)', integer(10), 160)
    .option('--rounds <n>', 'rounds', integer(1), 3)
    .option('--epochs <n>', 'training epochs per round (at least 40 steps)', integer(1), 5)
    .option('--dir <dir>', 'where the data and artifacts go', path.join(repositoryRoot(), '.pomona', 'demo'))
    .option('--label-studio', 'label in a local Label Studio (started on :8080 unless running; left open)')
    .action(async (opts: DemoOptions) => {
      await runDemo({ ...opts, dir: path.resolve(opts.dir) });
    });
}
