// trainRound with the real trainer in an activity context: a retry resumes from the newest checkpoint,
// a retry after the end trains nothing, and cancelling the activity kills the trainer process.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempWorkspace, tinyOrchard } from '../tests/helpers/orchard';
import { ingestDataset } from '../core/dataset/ingest';
import { createGpuActivities, latestCheckpoint } from './gpu';
import { readAttemptRecords, summarizeAttempts } from './training-attempts';
import type { LabelledSet } from './labelled-set';
import type { TrainerEvent } from './trainer-process';
import type { TrainInput, TrainResult } from './types';

jest.setTimeout(300_000);

const { trainRound } = createGpuActivities();
let input: TrainInput;

beforeAll(async () => {
  const dataset = tinyOrchard(8, 4);
  const projectDir = tempWorkspace();
  const manifest = await ingestDataset(dataset, path.join(projectDir, 'gt'));
  const labelled: LabelledSet = {
    round: 1,
    images: manifest.images.map((i) => ({ name: i.name, image: i.file, labels: i.labels!, round: 1 })),
  };
  const labelledPath = path.join(projectDir, 'labelled.json');
  fs.writeFileSync(labelledPath, JSON.stringify(labelled));
  input = {
    projectDir,
    round: 1,
    labelledPath,
    epochs: 3,
    checkpointInterval: 1,
    device: 'cpu',
    seed: 0,
    inputSize: '128x64',
    batchSize: 4,
    backbone: 'scratch',
  };
});

test('a retry resumes from the newest checkpoint; after the end it trains nothing more', async () => {
  const first = (await new MockActivityEnvironment().run(trainRound, input)) as TrainResult;
  expect(first.resumedFromEpoch).toBe(0);
  expect(path.basename(first.weights)).toBe('epoch_003.pt');

  // As if the worker died after epoch 2 had been saved: the retry trains only epoch 3.
  const weights = path.dirname(first.weights);
  fs.rmSync(path.join(weights, 'epoch_003.pt'));
  const heartbeats: TrainerEvent[] = [];
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: TrainerEvent | undefined) => d && heartbeats.push(d));
  const retry = (await env.run(trainRound, input)) as TrainResult;
  expect(retry.resumedFromEpoch).toBe(2);
  expect(heartbeats.filter((h) => h.event === 'epoch').map((h) => h.epoch)).toEqual([3]);

  const finished = new MockActivityEnvironment();
  const epochsAgain: unknown[] = [];
  finished.on('heartbeat', (d: TrainerEvent) => d?.event === 'epoch' && epochsAgain.push(d.epoch));
  const again = (await finished.run(trainRound, input)) as TrainResult;
  expect(again).toMatchObject({ resumedFromEpoch: 3, epochs: 3 });
  expect(path.basename(again.weights)).toBe('epoch_003.pt');
  expect(epochsAgain).toEqual([]);
  expect((await latestCheckpoint(weights))?.epoch).toBe(3);

  // The attempts log keeps what each run really did (train_log.csv holds only the final model's epochs).
  const summary = summarizeAttempts(await readAttemptRecords(path.dirname(weights)));
  expect(summary.attempts.map((a) => [a.resumeFrom, a.epochsCompleted, a.outcome])).toEqual([
    [0, [1, 2, 3], 'done'],
    [2, [3], 'done'],
    [3, [], 'done'],
  ]);
  expect(summary.attempts.every((a) => a.pid === process.pid)).toBe(true);
  expect(summary).toMatchObject({ epochsRun: 4, epochsRedone: 1 });
});

test('cancelling the activity stops the trainer and leaves only whole checkpoints', async () => {
  const cancelled = { ...input, round: 2, epochs: 200 };
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: TrainerEvent | undefined) => {
    if (d?.event === 'epoch' && d.epoch === 1) env.cancel(); // keep-alive heartbeats may carry no event yet
  });
  const started = Date.now();
  const error = await env.run(trainRound, cancelled).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CancelledFailure);
  expect(Date.now() - started).toBeLessThan(60_000);
  const weights = path.join(input.projectDir, 'rounds', '2', 'train', 'weights');
  const files = fs.readdirSync(weights);
  expect(files.every((f) => /^epoch_\d{3}\.pt$/.test(f))).toBe(true);
  const attempts = summarizeAttempts(await readAttemptRecords(path.dirname(weights))).attempts;
  expect(attempts.map((a) => a.outcome)).toEqual(['cancelled']);
  // No trainer process for this round is left running (this project's path: other suites running at the
  // same time train rounds of their own projects).
  const running = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((p) => {
      try {
        return fs
          .readFileSync(`/proc/${p}/cmdline`, 'utf8')
          .includes(path.join(input.projectDir, 'rounds', '2', 'train'));
      } catch {
        return false;
      }
    });
  expect(running).toBe(false);
});

test('a corrupt checkpoint is refused as bad trainer input naming the file: no retry could fix it', async () => {
  const corrupt = { ...input, round: 3 };
  const weights = path.join(input.projectDir, 'rounds', '3', 'train', 'weights');
  fs.mkdirSync(weights, { recursive: true });
  fs.writeFileSync(path.join(weights, 'epoch_002.pt'), 'half a file');
  const error = (await new MockActivityEnvironment()
    .run(trainRound, corrupt)
    .catch((e: unknown) => e)) as ApplicationFailure;
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type: 'TrainerInputError', nonRetryable: true });
  expect(error.message).toMatch(/^trainer train: .*rounds\/3\/train\/weights\/epoch_002\.pt: not a pomona checkpoint/);
});
