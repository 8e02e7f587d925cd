// Activities of the `pomona-gpu` queue: embed the pool, train a round, infer on a folder of images.
// Training and inference go to the loop's backend (activities/trainer-backend.ts: torch or TLT/TAO).
import { Context } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import { layout } from '../core/workspace-layout';
import { embedPoolShard, mergeEmbeddingShards } from './embedding-shards';
import { ensureEmbeddingsMatrix } from './embeddings-summary';
import { inferPoolShard } from './pool-shards';
import { backendFor } from './trainer-backend';
import { heartbeatEach, runTrainer, trainerArgs } from './trainer-process';
import type {
  EmbedInput,
  EmbeddingsSummary,
  EmbedShardInput,
  MergeEmbeddingShardsInput,
  InferInput,
  InferResult,
  InferShardInput,
  ShardResult,
  TrainInput,
  TrainResult,
} from './types';

export { latestCheckpoint } from './torch/torch-backend';

export type GpuActivities = ReturnType<typeof createGpuActivities>;

// A failed attempt reaches `pomona status` as the pending activity's lastFailure (cli/commands/status.ts),
// which also covers what cannot report itself: a lost worker, a heartbeat timeout.
export function createGpuActivities() {
  return { embedPool, embedShard, mergeEmbeddings, trainRound, inferImages, inferShard };

  async function embedPool(input: EmbedInput): Promise<EmbeddingsSummary> {
    const out = layout.embeddings(input.projectDir);
    const started = Date.now();
    const existing = await ensureEmbeddingsMatrix(out);
    if (existing) return { embeddingsPath: out, ...existing, seconds: 0 };
    const tmp = `${out}.partial.csv`;
    await runTrainer(
      trainerArgs('embed', {
        features: input.method ?? 'scene',
        images: input.poolImagesDir,
        out: tmp,
        epochs: input.epochs,
        dim: input.dim,
        seed: input.seed,
        device: input.device,
      }),
      heartbeatEach,
    );
    await fs.rename(tmp, out);
    const header = await ensureEmbeddingsMatrix(out);
    if (!header) throw new Error(`trainer embed wrote no rows to ${out}`);
    return { embeddingsPath: out, ...header, seconds: (Date.now() - started) / 1000 };
  }

  /** One shard of the pool's embedding (workflows/pool-embedding.ts); any GPU worker on the queue takes it. */
  async function embedShard(input: EmbedShardInput): Promise<ShardResult> {
    return embedPoolShard(input, Context.current().info.attempt);
  }

  /** The shards' feature blocks whitened together into the pool's embeddings (the trainer's numpy). */
  async function mergeEmbeddings(input: MergeEmbeddingShardsInput): Promise<EmbeddingsSummary> {
    return mergeEmbeddingShards(input);
  }

  async function trainRound(input: TrainInput): Promise<TrainResult> {
    return backendFor(input).trainRound(input);
  }

  async function inferImages(input: InferInput): Promise<InferResult> {
    return backendFor(input).inferImages(input);
  }

  /** One shard of a pool inference (workflows/pool-inference.ts); any GPU worker on the queue takes it. */
  async function inferShard(input: InferShardInput): Promise<ShardResult> {
    return inferPoolShard(input, (shardInput) => inferImages(shardInput), Context.current().info.attempt);
  }
}
