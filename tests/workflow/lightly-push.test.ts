// The automatic push into LightlyStudio (`lightly.enabled`, docs/lightly.md) on the time-skipping server
// with scripted activities: after each round's selection, after its inference on the pool, after the
// evaluation of the round that ends the loop; never when disabled; refused at start when LightlyStudio is
// not installed; a push that keeps failing leaves the loop going, with the failure in its status.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { status } from '../../workflows/messages';
import { useScriptedLoops } from './loop-environment';

jest.setTimeout(90_000);

const startLoop = useScriptedLoops();

/** Each push with the activity called just before it (what it follows). */
const pushesAfter = (calls: string[]) => calls.flatMap((c, i) => (c === 'pushToLightlyStudio' ? [calls[i - 1]] : []));

test('enabled: a push after each selection, after each pool inference, and after the last evaluation', async () => {
  const loop = await startLoop({ lightly: { enabled: true }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  const { calls, lightlyPushes } = loop.activities;
  expect(pushesAfter(calls)).toEqual(['selectBatch', 'inferImages', 'selectBatch', 'evaluateRound']);
  // The round's tag is there before its batch is exported for people.
  expect(calls.slice(3, 6)).toEqual(['selectBatch', 'pushToLightlyStudio', 'exportBatch']);
  const project = `/scripted-workspace/${loop.handle.workflowId.replace(/^loop-/, '')}`;
  expect(lightlyPushes).toEqual([1, 1, 2, 2].map((round) => ({ projectDir: project, round })));
});

test('disabled (the default): no push at all', async () => {
  const loop = await startLoop({ stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.count('pushToLightlyStudio')).toBe(0);
});

test('enabled without LightlyStudio on the worker: the loop fails at start, naming the setup command', async () => {
  const loop = await startLoop({ lightly: { enabled: true } }, { lightly: { installed: false } });
  const failure = await loop.handle.result().catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const cause = (failure as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause).toMatchObject({ type: 'LightlyStudioNotInstalled', nonRetryable: true });
  expect(cause?.message).toMatch(/^lightly\.enabled: LightlyStudio .* run npx pomona lightly setup/);
  expect(loop.activities.calls).toEqual(['parseConfig']);
});

test('a push that fails its three attempts: the loop goes on, the failure in its status; the next push catches up', async () => {
  const loop = await startLoop({ lightly: { enabled: true }, stop: { maxRounds: 2 } }, { lightly: { failures: 3 } });
  // The retries wait 5 s, then 10 s. The test server skips them when asked to, though not always after an
  // earlier loop in the same server (then they take real time): wait for the attempts, not for a clock.
  const deadline = Date.now() + 30_000;
  while (loop.activities.count('pushToLightlyStudio') < 3 && Date.now() < deadline) await loop.advance('5s');
  const waiting = await loop.waitFor(
    (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === 1,
    'the round 1 batch',
  );
  expect(waiting.lastError).toMatch(
    /^round 1: push to LightlyStudio after selection failed: push to dataset\.db failed \(exit code 1\): Could not set lock on file \(scripted\); the loop goes on \(push by hand: npx pomona lightly push \/scripted-workspace\/.*\)$/,
  );
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.count('pushToLightlyStudio')).toBe(3 + 3);
});

test('a loop cancelled while it pushes ends cancelled: the push catches its own failures only', async () => {
  const loop = await startLoop({ lightly: { enabled: true }, stop: { maxRounds: 2 } });
  const release = loop.activities.hold('pushToLightlyStudio');
  const deadline = Date.now() + 30_000;
  while (loop.activities.count('pushToLightlyStudio') < 1 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await loop.handle.cancel();
  const failure = await loop.handle.result().catch((err: unknown) => err);
  release();
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(loop.activities.count('exportBatch')).toBe(0);
  // Not mistaken for a failed push that the loop would go on from.
  expect((await loop.handle.query(status)).lastError ?? null).toBeNull();
});
