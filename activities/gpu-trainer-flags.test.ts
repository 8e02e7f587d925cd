// Which trainer flags embedPool and trainRound pass for the config's embedding method and backbone: a
// stand-in interpreter (POMONA_PYTHON) records its arguments and writes the files the activities expect.
import { MockActivityEnvironment } from '@temporalio/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createGpuActivities } from './gpu';
import type { EmbedInput, InferInput, TrainInput } from './types';

const savedPython = process.env.POMONA_PYTHON;
let dir: string;
let argsLog: string;

/** `python -m pomona_trainer <command> ...`: logs the arguments, writes one embedding row or one checkpoint. */
function recordingTrainer(): string {
  const python = path.join(dir, 'python');
  fs.writeFileSync(
    python,
    `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(4);
fs.appendFileSync(${JSON.stringify(argsLog)}, JSON.stringify(args) + '\\n');
const out = args[args.indexOf('--out') + 1];
if (args[0] === 'infer') fs.mkdirSync(out, { recursive: true });
if (args[0] === 'embed') fs.writeFileSync(out, 'filenames,embedding_0,labels\\na.png,1,0\\n');
if (args[0] === 'train') {
  fs.mkdirSync(path.join(out, 'weights'), { recursive: true });
  fs.writeFileSync(path.join(out, 'weights', 'epoch_001.pt'), '');
  console.log(JSON.stringify({ event: 'done', checkpoint: path.join(out, 'weights', 'epoch_001.pt'), epochs: 1 }));
}
`,
    { mode: 0o755 },
  );
  return python;
}

/** The flags of the latest recorded run, as a map from `--flag` to its value. */
function lastFlags(): Map<string, string> {
  const runs = fs.readFileSync(argsLog, 'utf8').trim().split('\n');
  const args = JSON.parse(runs[runs.length - 1]) as string[];
  const flags = new Map<string, string>();
  for (let i = 1; i < args.length; i += 2) flags.set(args[i], args[i + 1]);
  return flags;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-trainer-flags-'));
  argsLog = path.join(dir, 'args.log');
  process.env.POMONA_PYTHON = recordingTrainer();
});

afterAll(() => {
  if (savedPython === undefined) delete process.env.POMONA_PYTHON;
  else process.env.POMONA_PYTHON = savedPython;
});

const { embedPool, trainRound, inferImages } = createGpuActivities();

function embedInput(name: string, method?: EmbedInput['method']): EmbedInput {
  const projectDir = path.join(dir, name);
  fs.mkdirSync(projectDir);
  return { projectDir, poolImagesDir: path.join(dir, 'pool'), method, epochs: 2, dim: 8, seed: 1, device: 'cpu' };
}

test('embedPool passes embedding.method as --features', async () => {
  await new MockActivityEnvironment().run(embedPool, embedInput('ssl', 'ssl'));
  const flags = lastFlags();
  expect([flags.get('--features'), flags.get('--epochs'), flags.get('--dim')]).toEqual(['ssl', '2', '8']);
});

test('an embedPool input recorded before the method existed keeps scene statistics', async () => {
  await new MockActivityEnvironment().run(embedPool, embedInput('old'));
  expect(lastFlags().get('--features')).toBe('scene');
});

test('trainRound passes trainer.backbone, trainer.scale and the classes as --backbone, --scale and --classes, and nothing when absent (the trainer defaults)', async () => {
  const labelledPath = path.join(dir, 'labelled.json');
  fs.writeFileSync(labelledPath, JSON.stringify({ round: 1, images: [] }));
  const input: TrainInput = {
    projectDir: path.join(dir, 'train'),
    round: 1,
    labelledPath,
    epochs: 1,
    checkpointInterval: 1,
    device: 'cpu',
    seed: 0,
    backbone: 'scratch',
    scale: 0.5,
    classes: ['apple', 'leaf'],
  };
  await new MockActivityEnvironment().run(trainRound, input);
  expect(lastFlags().get('--backbone')).toBe('scratch');
  expect(lastFlags().get('--classes')).toBe('apple,leaf');
  expect(lastFlags().get('--scale')).toBe('0.5');
  const { backbone: _omitted, scale: _scale, classes: _classes, ...withoutBackbone } = input;
  await new MockActivityEnvironment().run(trainRound, { ...withoutBackbone, round: 2 });
  expect(lastFlags().has('--backbone')).toBe(false);
  expect(lastFlags().has('--classes')).toBe(false);
  expect(lastFlags().has('--scale')).toBe(false);
});

test('inferImages passes trainer.tta and trainer.inferScales as --tta and --scales, and neither when absent', async () => {
  const input: InferInput = {
    model: path.join(dir, 'model.pt'),
    imagesDir: path.join(dir, 'pool'),
    outDir: path.join(dir, 'pred'),
    threshold: 0.02,
    device: 'cpu',
  };
  await new MockActivityEnvironment().run(inferImages, { ...input, tta: true, scales: [0.67, 1, 1.5] });
  expect([lastFlags().get('--scales'), lastFlags().has('--tta'), lastFlags().get('--threshold')]).toEqual([
    '0.67,1,1.5',
    true,
    '0.02',
  ]);
  await new MockActivityEnvironment().run(inferImages, input);
  expect([lastFlags().has('--scales'), lastFlags().has('--tta')]).toEqual([false, false]);
});
