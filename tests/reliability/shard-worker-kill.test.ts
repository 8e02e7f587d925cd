// A GPU worker killed in the middle of a pool inference in shards (`shards.images`): two GPU worker
// processes share the shards; one is SIGKILLed while it infers a shard. Its trainer must die with it, the
// other worker must take that shard over after the heartbeat timeout, and the round must complete with
// only that shard inferred twice: every other shard once, one shard activity each in the fan-out's history.
// The loop embeds its pool in shards too (before the kill).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPoolPredictions } from '../../core/formats/pool-predictions';
import { layout } from '../../core/workspace-layout';
import { readShardAttempts, type ShardAttemptRecord } from '../../activities/pool-shards';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { annotateRound, leftoverPartials } from '../helpers/loop-driver';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { waitForNoProcess } from '../helpers/process-table';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { recordHistories } from '../helpers/record-history';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import { killTestConfig } from './kill-config';

jest.setTimeout(600_000);

const SHARD_IMAGES = 4;
let rig: ProcessRig;

beforeAll(async () => {
  // about processes and shards, not learning: the stand-in trainer, 0.4 s an inferred image, so that a
  // shard of 4 takes a couple of seconds and a kill lands inside one
  rig = await startProcessRig({ env: standInTrainerEnv(0.05, 0.4) });
  await rig.addGpuWorker();
});

afterAll(async () => {
  await rig?.stop();
});

const started = (records: ShardAttemptRecord[], shard: number) =>
  records.filter((r) => r.shard === shard && r.event === 'start');

test('SIGKILL of a GPU worker mid-shard: the other worker redoes that shard alone and the round completes', async () => {
  const workspace = tempWorkspace();
  const project = 'shard-kill';
  const projectDir = path.join(workspace, project);
  const shardsDir = path.join(projectDir, 'rounds', '1', 'predictions-shards');
  const config = killTestConfig(project, workspace, tinyOrchard(32, 1), {
    shards: { images: SHARD_IMAGES, inFlight: 2 },
  });
  config.trainer = { ...config.trainer, epochs: 2, checkpointInterval: 1 };
  const handle = await rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config],
  });
  await annotateRound(handle, 1);

  // Kill the first GPU worker while it infers a shard (started by its process, not yet done).
  const victim = rig.gpuWorker;
  const deadline = Date.now() + 300_000;
  let killedShard: number | undefined;
  while (killedShard === undefined) {
    if (Date.now() > deadline) throw new Error('no shard ever ran on the first GPU worker');
    const records = await readShardAttempts(shardsDir);
    const finished = new Set(records.filter((r) => r.event === 'done').map((r) => r.shard));
    killedShard = records.find((r) => r.event === 'start' && r.pid === victim.pid && !finished.has(r.shard))?.shard;
    if (killedShard === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  await victim.kill();
  // The shard's trainer sees its stdin close and stops: no orphan infers on beside the retry.
  expect(await waitForNoProcess(path.join(shardsDir, String(killedShard)), 15_000)).toEqual([]);

  await annotateRound(handle, 2);
  expect(await handle.result()).toMatchObject({ rounds: 2, stopReason: 'max-rounds' });

  const records = await readShardAttempts(shardsDir);
  const plan = JSON.parse(fs.readFileSync(path.join(shardsDir, 'plan.json'), 'utf8')) as {
    shards: number;
    images: number;
  };
  expect(plan.shards).toBe(Math.ceil(plan.images / SHARD_IMAGES));
  for (let shard = 0; shard < plan.shards; shard++) {
    // Every shard done once; only the killed one started twice, the second time by the other worker.
    expect(records.filter((r) => r.shard === shard && r.event === 'done')).toHaveLength(1);
    expect(started(records, shard)).toHaveLength(shard === killedShard ? 2 : 1);
  }
  const [killed, retry] = started(records, killedShard);
  expect(killed.pid).toBe(victim.pid);
  expect(retry.pid).not.toBe(victim.pid);
  expect(retry.attempt).toBe(2);
  console.log(`shard worker kill: shard ${killedShard} of ${plan.shards} redone by pid ${retry.pid}`);

  // The round's predictions: one table per shard, every pool image in them, no temp folders left.
  const predictionsDir = path.join(projectDir, 'rounds', '1', 'predictions');
  expect(fs.readdirSync(predictionsDir).filter((f) => f.endsWith('.tsv'))).toHaveLength(plan.shards);
  expect((await readPoolPredictions(predictionsDir)).size).toBe(plan.images);
  // Round 2's batch took its pre-labels from those tables: each image's boxes from score 0.3 up, as KITTI files.
  const exportDir = layout.annotate(projectDir, 2);
  const batch = fs.readdirSync(path.join(exportDir, 'images')).map((f) => path.parse(f).name);
  const predicted = await readPoolPredictions(predictionsDir, batch);
  expect(predicted.size).toBe(batch.length);
  let kept = 0;
  let cut = 0;
  for (const name of batch) {
    const lines = fs
      .readFileSync(path.join(exportDir, 'prelabels', `${name}.txt`), 'utf8')
      .split('\n')
      .filter(Boolean);
    const boxes = predicted.get(name)!;
    expect(lines).toHaveLength(boxes.filter((b) => b.score! >= 0.3).length);
    kept += lines.length;
    cut += boxes.length - lines.length;
  }
  // Both sides of the cut occur, so the counts above compare something.
  expect(kept).toBeGreaterThan(0);
  expect(cut).toBeGreaterThan(0);
  expect(leftoverPartials(projectDir)).toEqual([]);

  // One shard activity per shard in the fan-out's history (a retry is an attempt), none in the loop's.
  const child = rig.client.workflow.getHandle(`${handle.workflowId}-round-1-pool-inference`);
  const shardActivities = (await child.fetchHistory()).events?.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'inferShard',
  );
  expect(shardActivities).toHaveLength(plan.shards);
  const firstRun = await rig.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
  expect(
    firstRun.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'inferShard'),
  ).toBe(false);
  // The pool's embedding went through shards too (before the kill), into the one CSV selection reads.
  const embedding = rig.client.workflow.getHandle(`${handle.workflowId}-pool-embedding`);
  expect((await embedding.describe()).status.name).toBe('COMPLETED');
  const embeddings = fs.readFileSync(path.join(projectDir, 'embeddings.csv'), 'utf8').trim().split('\n');
  expect(embeddings).toHaveLength(plan.images + 1);
  await recordHistories(rig.client, handle.workflowId, 'pool-shards-worker-kill');
  await recordHistories(rig.client, child.workflowId, 'pool-shards-worker-kill-fan-out');
  await recordHistories(rig.client, embedding.workflowId, 'pool-shards-worker-kill-embedding');
});
