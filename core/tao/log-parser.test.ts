// The log parser and failure recogniser on realistic console captures (tests/tao/logs/): Keras progress
// redrawn with \r, AP tables, checkpoint lines, and each known failure. Logs are fed in small chunks, as
// a pipe delivers them, so lines split across chunks are exercised.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../io/repository-root';
import { recogniseTaoFailure } from './failures';
import { TaoLogParser, type TaoLogEvent } from './log-parser';

const capture = (name: string) => fs.readFileSync(path.join(repositoryRoot(), 'tests', 'tao', 'logs', name), 'utf8');

function parseInChunks(text: string, size: number): TaoLogEvent[] {
  const parser = new TaoLogParser();
  const events: TaoLogEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
  return [...events, ...parser.end()];
}

test.each([1, 7, 64, 100_000])('a passing TLT 3.0 training log, in %i-character chunks', (size) => {
  const events = parseInChunks(capture('tlt3-train-pass.log'), size).filter((e) => e.type !== 'other');
  expect(events).toEqual([
    { type: 'epoch-start', epoch: 1, epochs: 2 },
    { type: 'step', epoch: 1, epochs: 2, step: 1, steps: 13, loss: 9123.4561 },
    { type: 'step', epoch: 1, epochs: 2, step: 2, steps: 13, loss: 8712.0021 },
    { type: 'step', epoch: 1, epochs: 2, step: 13, steps: 13, loss: 5318.8814 },
    { type: 'epoch-start', epoch: 2, epochs: 2 },
    { type: 'step', epoch: 2, epochs: 2, step: 1, steps: 13, loss: 4100.5 },
    { type: 'step', epoch: 2, epochs: 2, step: 13, steps: 13, loss: 3922.125 },
    { type: 'ap-table', ap: { apple: 0.47147, green_apple_longname: 0.31 }, map: 0.39074 },
    { type: 'validation-loss', value: 41.868 },
    {
      type: 'checkpoint-saving',
      epoch: 2,
      path: '/workspace/pomona/project/rounds/1/train/weights/yolov4_resnet18_epoch_002.tlt',
    },
    { type: 'status', pass: true },
  ]);
});

test('a progress bar without a loss, nan losses, a FAIL status and a last line without newline', () => {
  const parser = new TaoLogParser();
  const events = [
    ...parser.push(
      'Epoch 4/9\r 3/9 [=========>....] - ETA: 5s\r 4/9 [==========>...] - ETA: 4s - loss: nan\nExecution status: F',
    ),
    ...parser.push('AIL'),
  ];
  expect(events).toEqual([
    { type: 'epoch-start', epoch: 4, epochs: 9 },
    { type: 'step', epoch: 4, epochs: 9, step: 3, steps: 9, loss: null },
    { type: 'step', epoch: 4, epochs: 9, step: 4, steps: 9, loss: NaN },
  ]);
  expect(parser.end()).toEqual([{ type: 'status', pass: false }]);
});

test.each([
  ['tao5-train-oom.log', 'TaoOutOfGpuMemory', /ResourceExhaustedError|Ran out of GPU memory/],
  ['tlt3-train-wrong-key.log', 'TaoWrongKey', /Invalid decryption/],
  ['tlt3-train-bad-spec.log', 'TaoBadSpec', /has no field named "matching_neutral_box_iou"/],
  ['tao4-train-missing-mount.log', 'TaoMissingMount', /bind source path does not exist/],
])('%s is recognised as %s', (file, type, line) => {
  const known = recogniseTaoFailure(capture(file));
  expect(known?.type).toBe(type);
  expect(known?.line).toMatch(line);
  expect(parseInChunks(capture(file), 13).filter((e) => e.type === 'status')).toEqual([
    { type: 'status', pass: false },
  ]);
});

test('a passing log and an unknown crash are no known failure (the latter stays retryable)', () => {
  expect(recogniseTaoFailure(capture('tlt3-train-pass.log'))).toBeNull();
  expect(recogniseTaoFailure('Epoch 3/50\nFatal Python error: Segmentation fault\n')).toBeNull();
});
