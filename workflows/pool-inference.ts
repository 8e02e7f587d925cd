// poolInference: one round's inference on the pool in shards (`shards.images`), a child workflow of the
// loop, so that the loop's own history grows by a few events whatever the pool's size. The shards are
// activities on the GPU queue, at most `inFlight` scheduled at once, so every GPU worker on any host takes
// them; each is retried on its own, and the files (activities/pool-shards.ts) make a retry, or this
// workflow run again after the loop's pause, redo only the shards not yet done. Deterministic workflow code.
import { defineQuery, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { InferInput, InferResult } from '../activities/types';
import type { LoopConfig } from '../core/config/loop-config';
import { cpu, cpuWorkOptions, gpuActivities } from './loop-activities';

export interface PoolInferenceInput {
  /** The loop's config: the GPU activities' timeouts and retries come from it, as for the loop's own. */
  config: LoopConfig;
  round: number;
  /** The inference as one activity would run it on the whole pool (imagesDir, outDir, model, flags). */
  infer: InferInput;
  shardsDir: string;
  shardImages: number;
  inFlight: number;
}

export interface ShardProgress {
  shards: number;
  images: number;
  /** Shards whose predictions are in, `reused` of them from an earlier run of this fan-out. */
  done: number;
  reused: number;
  running: number;
}

/** Where the fan-out stands (also in the Web UI's current details of this child workflow). */
export const shardProgress = defineQuery<ShardProgress>('shardProgress');

export async function poolInference(input: PoolInferenceInput): Promise<InferResult> {
  const { round, infer, shardsDir } = input;
  const progress: ShardProgress = { shards: 0, images: 0, done: 0, reused: 0, running: 0 };
  setHandler(shardProgress, () => progress);
  const show = () =>
    setCurrentDetails(
      `round ${round}: pool inference, ${progress.done} of ${progress.shards} shards done` +
        `${progress.reused ? ` (${progress.reused} from an earlier run)` : ''}, ${progress.running} running`,
    );

  const plan = await cpu.planPoolShards.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: ${infer.imagesDir} in shards of ${input.shardImages}` },
    [{ imagesDir: infer.imagesDir, shardsDir, shardImages: input.shardImages }],
  );
  Object.assign(progress, { shards: plan.shards, images: plan.images });
  show();

  // `inFlight` lanes take the next shard as each finishes. After a shard fails its attempts, no lane starts
  // another, the running ones finish (their work is kept), and the fan-out fails with that shard's failure.
  const { gpu, inferOptions } = gpuActivities(input.config);
  let next = 0;
  const failures: Error[] = [];
  const lane = async () => {
    while (next < plan.shards && failures.length === 0) {
      const shard = next++;
      progress.running++;
      show();
      try {
        const result = await gpu.inferShard.executeWithOptions(
          { ...inferOptions, summary: `round ${round}: shard ${shard + 1} of ${plan.shards}` },
          [{ infer, shardsDir, shard }],
        );
        progress.done++;
        if (result.reused) progress.reused++;
      } catch (err) {
        failures.push(err as Error);
      } finally {
        progress.running--;
        show();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.inFlight, plan.shards) }, lane));
  if (failures.length) throw failures[0];

  return cpu.mergePoolShards.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: merge ${plan.shards} shards into ${infer.outDir}` },
    [{ shardsDir, shards: plan.shards, outDir: infer.outDir }],
  );
}
