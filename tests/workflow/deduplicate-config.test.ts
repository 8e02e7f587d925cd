// `selection.deduplicate` (docs/selection.md) on the time-skipping server with scripted activities: the
// loop refuses it at start on a worker without LightlyStudio, and otherwise passes the distance to every
// round's selection; without the field, selection inputs are as they were before it existed.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { useScriptedLoops } from './loop-environment';

jest.setTimeout(90_000);

const startLoop = useScriptedLoops();
const SIZES = { initial: { size: { batchSize: 10 } }, rounds: { size: { batchSize: 5 } } };

test('every round selects with the configured distance', async () => {
  const loop = await startLoop({ selection: { ...SIZES, deduplicate: { minDistance: 0.7 } }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.selectInputs.map((i) => [i.round, i.deduplicate])).toEqual([
    [1, { minDistance: 0.7 }],
    [2, { minDistance: 0.7 }],
  ]);
});

test('without it, no selection input carries the field', async () => {
  const loop = await startLoop({ stop: { maxRounds: 1 } });
  await loop.annotate(1);
  await loop.result();
  expect(loop.activities.selectInputs.map((i) => 'deduplicate' in i)).toEqual([false]);
});

test('on a worker without LightlyStudio, the loop fails at start, naming the field and the setup command', async () => {
  const loop = await startLoop(
    { selection: { ...SIZES, deduplicate: { minDistance: 0.7 } } },
    { lightly: { installed: false } },
  );
  const failure = await loop.handle.result().catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (failure as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause).toMatchObject({ type: 'LightlyStudioNotInstalled', nonRetryable: true });
  expect(cause?.message).toMatch(/^selection\.deduplicate: LightlyStudio .* run npx pomona lightly setup/);
  expect(loop.activities.calls).toEqual(['parseConfig']);
});
