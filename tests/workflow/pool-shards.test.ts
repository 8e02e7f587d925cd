// The pool's work in shards (`shards.images`, workflows/pool-embedding.ts and pool-inference.ts) on the
// time-skipping server with scripted activities: a child workflow fans the shards out, at most `inFlight`
// at once, and merges them (the embedding once, the inference each round); the loop's own history holds
// none of the shards' events; a shard that spends its attempts pauses the loop, and `resume` runs the
// fan-out again, inferring only the shards not done yet; `ssl` embeddings stay one activity.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { formatStatus, queryStatus } from '../../cli/commands/status';
import { status, resume } from '../../workflows/messages';
import { shardProgress } from '../../workflows/pool-inference';
import { useScriptedLoops, type ScriptedLoop } from './loop-environment';

jest.setTimeout(90_000);

const startLoop = useScriptedLoops();

const projectOf = (loop: ScriptedLoop) => `/scripted-workspace/${loop.handle.workflowId.replace(/^loop-/, '')}`;

test('shards.images: child workflows embed the pool and infer on it in shards, at most inFlight at once, then merge them', async () => {
  // 40 pool images in shards of 10; round 1's pool inference is the only one (round 2 ends the loop).
  const loop = await startLoop({ shards: { images: 10, inFlight: 2 }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });

  const { calls, shards, selectInputs } = loop.activities;
  const project = projectOf(loop);
  const four = (name: string) => [name, name, name, name];
  expect(calls.filter((c) => /Shard|embed|mergeEmbeddings/.test(c))).toEqual([
    'planPoolShards',
    ...four('embedShard'),
    'mergeEmbeddings',
    'planPoolShards',
    ...four('inferShard'),
    'mergePoolShards',
  ]);
  expect([...shards.embedded].sort()).toEqual([0, 1, 2, 3]);
  expect([...shards.inferred].sort()).toEqual([0, 1, 2, 3]);
  expect(shards.mostRunning).toBe(2);
  const embedding = loop.client.workflow.getHandle(`${loop.handle.workflowId}-pool-embedding`);
  expect(await embedding.query(shardProgress)).toEqual({ shards: 4, images: 40, done: 4, reused: 0, running: 0 });
  expect(selectInputs[0].embeddingsPath).toBe(`${project}/embeddings.csv`);
  // The evaluations still infer on the validation images in one activity each; the pool never does.
  expect(loop.activities.count('inferImages')).toBe(2);
  // Round 2 selects on the merged predictions, where one inference of the whole pool would have put them.
  expect(selectInputs[1].predictionsDir).toBe(`${project}/rounds/1/predictions`);

  const child = loop.client.workflow.getHandle(`${loop.handle.workflowId}-round-1-pool-inference`);
  expect((await child.describe()).status.name).toBe('COMPLETED');
  expect(await child.query(shardProgress)).toEqual({ shards: 4, images: 40, done: 4, reused: 0, running: 0 });
  // The shards' activities are in the child's history, not in the loop's.
  const scheduled = async (history: Awaited<ReturnType<typeof child.fetchHistory>>) =>
    (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'inferShard')
      .length;
  expect(await scheduled(await child.fetchHistory())).toBe(4);
  const firstRun = (await loop.handle.describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
  expect(await scheduled(await loop.client.workflow.getHandle(loop.handle.workflowId, firstRun).fetchHistory())).toBe(
    0,
  );
});

test('a shard that spends its attempts pauses the loop; resume infers only the shards not done yet', async () => {
  const loop = await startLoop({
    shards: { images: 10, inFlight: 1 },
    trainer: { maxEmbedInferAttempts: 2 },
    stop: { maxRounds: 2 },
  });
  loop.activities.shards.next.set(2, ['fail', 'fail']);
  await loop.annotate(1);
  const paused = await loop.waitFor((s) => s.paused && s.phase === 'inferring', 'the loop to pause', '10s');
  expect(paused.lastError).toMatch(
    /^round 1 inference on the pool failed \(.*inferShard 2: scripted crash.*\); the loop is paused: fix the cause, then send resume to run the shards not done yet, or stop$/,
  );
  // One lane: shard 3 was never started once shard 2 had failed.
  expect(loop.activities.shards.inferred).toEqual([0, 1]);

  await loop.handle.signal(resume);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.shards.inferred).toEqual([0, 1, 2, 3]);
  const child = loop.client.workflow.getHandle(`${loop.handle.workflowId}-round-1-pool-inference`);
  expect(await child.query(shardProgress)).toEqual({ shards: 4, images: 40, done: 4, reused: 2, running: 0 });
  expect((await loop.handle.query(status)).lastError).toBeNull();
});

test('pomona status shows a running fan-out: its shards done and running, read from the child workflow', async () => {
  const loop = await startLoop({ shards: { images: 10, inFlight: 2 }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  const release = loop.activities.hold('inferShard');
  await loop.activities.waitForCalls('inferShard', 2);
  const { status: s, execution, shards } = await queryStatus(loop.client, loop.handle.workflowId);
  expect(shards).toEqual({
    workflowId: `${loop.handle.workflowId}-round-1-pool-inference`,
    what: 'pool inference',
    progress: { shards: 4, images: 40, done: 0, reused: 0, running: 2 },
  });
  expect(formatStatus(s, execution, shards)).toContain(
    `pool inference in shards: 0 of 4 done, 2 running, 40 images (workflow ${loop.handle.workflowId}-round-1-pool-inference)`,
  );
  release();
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect((await queryStatus(loop.client, loop.handle.workflowId)).shards).toBeUndefined();
});

test('a loop cancelled during a fan-out ends cancelled, and so does the fan-out; nothing more is inferred', async () => {
  const loop = await startLoop({ shards: { images: 10, inFlight: 2 }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  const release = loop.activities.hold('inferShard');
  await loop.activities.waitForCalls('inferShard', 2);
  await loop.handle.cancel();
  const failure = await loop.handle.result().catch((err: unknown) => err);
  release();
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const child = loop.client.workflow.getHandle(`${loop.handle.workflowId}-round-1-pool-inference`);
  expect((await child.describe()).status.name).toBe('CANCELLED');
  // The two shards running when it was cancelled were the last: no lane took another, nothing was merged.
  expect(loop.activities.count('inferShard')).toBe(2);
  expect(loop.activities.count('mergePoolShards')).toBe(0);
  // Not mistaken for a failed inference that would pause the loop.
  expect((await loop.handle.query(status)).lastError ?? null).toBeNull();
});

test('without shards.images the pool is one embedding and one inference activity, as before', async () => {
  const loop = await startLoop({ stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.calls.filter((c) => /Shard|mergeEmbeddings/.test(c))).toEqual([]);
  expect(loop.activities.count('embedPool')).toBe(1);
  expect(loop.activities.count('inferImages')).toBe(3);
});

test('ssl embeddings train on the whole pool: one embedding activity, the inference still in shards', async () => {
  const loop = await startLoop({ embedding: { method: 'ssl' }, shards: { images: 10 }, stop: { maxRounds: 2 } });
  await loop.annotate(1);
  await loop.annotate(2);
  expect(await loop.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });
  expect(loop.activities.count('embedPool')).toBe(1);
  expect(loop.activities.count('embedShard')).toBe(0);
  expect(loop.activities.count('inferShard')).toBe(4);
});
