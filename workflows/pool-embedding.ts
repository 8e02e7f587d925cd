// poolEmbedding: the pool's embedding in shards (`shards.images`, embedding methods backbone and scene), a
// child workflow of the loop's first run: each shard's feature blocks on the GPU queue (shard-fan-out.ts),
// then one activity whitens them together into the pool's embeddings CSV (activities/embedding-shards.ts),
// the same file one embedding of the whole pool writes. Deterministic workflow code.
import type { EmbeddingsSummary, EmbedInput } from '../activities/types';
import type { LoopConfig } from '../core/config/loop-config';
import { cpu, cpuWorkOptions, gpuActivities } from './loop-activities';
import { runShards, trackShards } from './shard-fan-out';

export interface PoolEmbeddingInput {
  /** The loop's config: the GPU activities' timeouts and retries come from it, as for the loop's own. */
  config: LoopConfig;
  embed: EmbedInput;
  shardsDir: string;
  shardImages: number;
  inFlight: number;
}

export async function poolEmbedding(input: PoolEmbeddingInput): Promise<EmbeddingsSummary> {
  const { embed, shardsDir } = input;
  const tracked = trackShards('pool embedding');
  const plan = await cpu.planPoolShards.executeWithOptions(
    { ...cpuWorkOptions, summary: `${embed.poolImagesDir} in shards of ${input.shardImages}` },
    [{ imagesDir: embed.poolImagesDir, shardsDir, shardImages: input.shardImages }],
  );
  Object.assign(tracked.progress, { shards: plan.shards, images: plan.images });
  tracked.show();

  const { gpu, embedOptions } = gpuActivities(input.config);
  await runShards(tracked, input.inFlight, (shard) =>
    gpu.embedShard.executeWithOptions({ ...embedOptions, summary: `embed shard ${shard + 1} of ${plan.shards}` }, [
      { embed, shardsDir, shard },
    ]),
  );

  return gpu.mergeEmbeddings.executeWithOptions(
    { ...embedOptions, summary: `whiten ${plan.shards} shards' features into the pool's embeddings` },
    [{ embed, shardsDir, shards: plan.shards }],
  );
}
