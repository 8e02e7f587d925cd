// Activities of the `pomona-gpu` queue: embed the pool, train a round, infer on a folder of images.
// Training and inference go to the loop's backend (activities/trainer-backend.ts: torch or TLT/TAO).
import { Context } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import { layout } from '../core/workspace-layout';
import { inferPoolShard } from './pool-shards';
import { backendFor } from './trainer-backend';
import { heartbeatEach, runTrainer, trainerArgs } from './trainer-process';
import type {
  EmbedInput,
  EmbeddingsSummary,
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
  return { embedPool, trainRound, inferImages, inferShard };

  async function embedPool(input: EmbedInput): Promise<EmbeddingsSummary> {
    const out = layout.embeddings(input.projectDir);
    const started = Date.now();
    const existing = await readEmbeddingsSummary(out);
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
    const header = await readEmbeddingsSummary(out);
    if (!header) throw new Error(`trainer embed wrote no rows to ${out}`);
    return { embeddingsPath: out, ...header, seconds: (Date.now() - started) / 1000 };
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

/** Row count and width of an embeddings CSV, or null when it is missing or empty. */
async function readEmbeddingsSummary(file: string): Promise<{ count: number; dim: number } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.trim().split('\n');
  if (lines.length < 2) return null;
  const dim = lines[0].split(',').filter((c) => c.startsWith('embedding_')).length;
  return { count: lines.length - 1, dim };
}
