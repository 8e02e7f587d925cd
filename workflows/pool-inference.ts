// poolInference: one round's inference on the pool in shards (`shards.images`), a child workflow of the
// loop, so that the loop's own history grows by a few events whatever the pool's size. The shards are
// activities on the GPU queue (shard-fan-out.ts), so every GPU worker on any host takes them; each is
// retried on its own, and the files (activities/pool-shards.ts) make a retry, or this workflow run again
// after the loop's pause, redo only the shards not yet done. Deterministic workflow code.
import type { InferInput, InferResult } from '../activities/types';
import type { LoopConfig } from '../core/config/loop-config';
import { cpu, cpuWorkOptions, gpuActivities } from './loop-activities';
import { runShards, trackShards } from './shard-fan-out';

export { shardProgress, type ShardProgress } from './shard-fan-out';

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

export async function poolInference(input: PoolInferenceInput): Promise<InferResult> {
  const { round, infer, shardsDir } = input;
  const tracked = trackShards(`round ${round}: pool inference`);
  const plan = await cpu.planPoolShards.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: ${infer.imagesDir} in shards of ${input.shardImages}` },
    [{ imagesDir: infer.imagesDir, shardsDir, shardImages: input.shardImages }],
  );
  Object.assign(tracked.progress, { shards: plan.shards, images: plan.images });
  tracked.show();

  const { gpu, inferOptions } = gpuActivities(input.config);
  await runShards(tracked, input.inFlight, (shard) =>
    gpu.inferShard.executeWithOptions(
      { ...inferOptions, summary: `round ${round}: shard ${shard + 1} of ${plan.shards}` },
      [{ infer, shardsDir, shard }],
    ),
  );

  return cpu.mergePoolShards.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: merge ${plan.shards} shards into ${infer.outDir}` },
    [{ shardsDir, shards: plan.shards, outDir: infer.outDir }],
  );
}
