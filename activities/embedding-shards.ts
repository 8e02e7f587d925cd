// The files of the pool's embedding in shards (`shards.images`, workflows/pool-embedding.ts), on the plan of
// activities/pool-shards.ts: each shard writes its images' feature blocks (`embed --blocks-out`,
// trainer/pomona_trainer/feature_blocks.py) as `blocks/<k>.npz`, and the merge whitens all of them together
// (`embed --from-blocks`) into the pool's embeddings CSV: the same file as one embedding of the whole pool.
// A shard whose blocks file exists is not embedded again (the trainer writes it atomically).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { layout } from '../core/workspace-layout';
import { ensureEmbeddingsMatrix } from './embeddings-summary';
import { appendShardAttempt, linkShardImages, shardImageNames } from './pool-shards';
import { heartbeatEach, runTrainer, trainerArgs } from './trainer-process';
import type { EmbeddingsSummary, EmbedShardInput, MergeEmbeddingShardsInput, ShardResult } from './types';

/** Zero-padded, so the merge's file-name order is the shards' order (and so the pool's sorted order). */
const blocksFile = (shardsDir: string, shard: number) =>
  path.join(shardsDir, 'blocks', `${String(shard).padStart(7, '0')}.npz`);

export async function embedPoolShard(input: EmbedShardInput, attempt: number): Promise<ShardResult> {
  const started = Date.now();
  const { shardsDir, shard, embed } = input;
  const file = blocksFile(shardsDir, shard);
  const record = { shard, attempt, pid: process.pid };
  if (await fs.stat(file).catch(() => null)) {
    const images = (await shardImageNames(shardsDir, shard)).length;
    await appendShardAttempt(shardsDir, { ...record, event: 'reused', images });
    return { shard, images, seconds: 0, reused: true };
  }
  const links = await linkShardImages(shardsDir, shard, embed.poolImagesDir);
  await appendShardAttempt(shardsDir, { ...record, event: 'start' });
  const run = await runTrainer(
    // dim and seed as for the whole pool: the real trainer whitens to dim at the merge, a trainer whose
    // features are its final rows (the stand-in) needs them per shard.
    trainerArgs('embed', {
      features: embed.method ?? 'scene',
      images: links,
      blocksOut: file,
      dim: embed.dim,
      seed: embed.seed,
      device: embed.device,
    }),
    heartbeatEach,
  );
  await fs.rm(links, { recursive: true, force: true });
  const done = run.events.find((e) => e.event === 'done');
  const images = typeof done?.images === 'number' ? done.images : (await shardImageNames(shardsDir, shard)).length;
  await appendShardAttempt(shardsDir, { ...record, event: 'done', images });
  return { shard, images, seconds: (Date.now() - started) / 1000, reused: false };
}

/** The pool's embeddings CSV from every shard's blocks; returns at once when the CSV is there already. */
export async function mergeEmbeddingShards(input: MergeEmbeddingShardsInput): Promise<EmbeddingsSummary> {
  const started = Date.now();
  const out = layout.embeddings(input.embed.projectDir);
  const existing = await ensureEmbeddingsMatrix(out);
  if (existing) return { embeddingsPath: out, ...existing, seconds: 0 };
  const blocks = path.join(input.shardsDir, 'blocks');
  const found = (await fs.readdir(blocks).catch(() => [])).filter((f) => f.endsWith('.npz')).length;
  if (found !== input.shards)
    throw new Error(`${blocks}: ${found} shard blocks files, the plan has ${input.shards}; embed the missing shards`);
  const tmp = `${out}.partial.csv`;
  await runTrainer(trainerArgs('embed', { fromBlocks: blocks, out: tmp, dim: input.embed.dim }), heartbeatEach);
  await fs.rename(tmp, out);
  const summary = await ensureEmbeddingsMatrix(out);
  if (!summary) throw new Error(`trainer embed wrote no rows to ${out}`);
  return { embeddingsPath: out, ...summary, seconds: (Date.now() - started) / 1000 };
}
