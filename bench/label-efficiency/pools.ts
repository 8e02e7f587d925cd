// The label-efficiency benchmark's pools and their validation splits, each ingested by pomona's own ingest.
// - independent: `synth --count`, independent images; the validation split is one seeded shuffle's first
//   `val` images, the pool the rest.
// - sequences: `synth --sequences`, rows filmed by a moving camera (near-copies along a row, long-tailed
//   conditions); the validation split is other rows (another generator seed), a few spread-out frames each,
//   so no validation image is a near-copy of a pool frame.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainerPython } from '../../activities/trainer-process';
import { ingestDataset, type ManifestEntry } from '../../core/dataset/ingest';
import { seededShuffle } from '../../core/selection/random';

export const POOL_KINDS = ['independent', 'sequences'] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

export interface PoolOptions {
  kind: PoolKind;
  dataSeed: number;
  width: number;
  height: number;
  /** independent: pool and validation image counts. */
  pool: number;
  val: number;
  /** sequences: pool rows x frames, the knobs of `synth --sequences`, and the validation rows x frames. */
  sequences: number;
  frames: number;
  overlap: number;
  tail: number;
  valSequences: number;
  valFrames: number;
}

export interface Pool {
  pool: ManifestEntry[];
  val: ManifestEntry[];
  /** The folder whose scenes.json describes the pool's images (for the scene-kind coverage table). */
  scenesDir: string;
  /** One line for the report: what the pool is and how it was made. */
  description: string;
}

function synth(out: string, args: (string | number)[]): void {
  if (fs.existsSync(path.join(out, 'scenes.json'))) return;
  execFileSync(trainerPython(), ['-m', 'pomona_trainer', 'synth', '--out', out, ...args.map(String)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const labelled = async (dir: string) => (await ingestDataset(dir, path.join(dir, 'kitti-labels'))).images.filter((i) => i.labels);
const byName = (a: ManifestEntry, b: ManifestEntry) => a.name.localeCompare(b.name);

export async function buildPool(work: string, o: PoolOptions): Promise<Pool> {
  const size = ['--width', o.width, '--height', o.height];
  if (o.kind === 'independent') {
    const data = path.join(work, `independent-${o.dataSeed}-${o.pool + o.val}-${o.width}x${o.height}`);
    synth(data, ['--count', o.pool + o.val, '--seed', o.dataSeed, ...size]);
    // Fixed validation split: the same seeded shuffle for every strategy and seed.
    const shuffled = seededShuffle(await labelled(data), o.dataSeed);
    return {
      val: shuffled.slice(0, o.val),
      pool: shuffled.slice(o.val).sort(byName),
      scenesDir: data,
      description: `independent synthetic orchard images (\`synth --count ${o.pool + o.val} --seed ${o.dataSeed}\`, ${o.width}x${o.height}), ${o.pool} pool + ${o.val} validation images, one seeded split`,
    };
  }
  const knobs = ['--overlap', o.overlap, '--tail', o.tail];
  const poolDir = path.join(work, `sequences-${o.dataSeed}-${o.sequences}x${o.frames}-${o.overlap}-${o.tail}-${o.width}x${o.height}`);
  synth(poolDir, ['--sequences', o.sequences, '--frames', o.frames, ...knobs, '--seed', o.dataSeed, ...size]);
  // Validation: other rows of the same distribution, frames spread along each row (overlap 0.5).
  const valDir = path.join(work, `sequences-${o.dataSeed + 1}-${o.valSequences}x${o.valFrames}-0.5-${o.tail}-${o.width}x${o.height}`);
  synth(valDir, ['--sequences', o.valSequences, '--frames', o.valFrames, '--overlap', 0.5, '--tail', o.tail, '--seed', o.dataSeed + 1, ...size]);
  const pool = (await labelled(poolDir)).sort(byName);
  const val = await labelled(valDir);
  return {
    pool,
    val,
    scenesDir: poolDir,
    description:
      `video-like sequences (\`synth --sequences ${o.sequences} --frames ${o.frames} --overlap ${o.overlap} --tail ${o.tail} --seed ${o.dataSeed}\`, ${o.width}x${o.height}): ` +
      `${pool.length} pool frames; validation ${val.length} frames of ${o.valSequences} other rows (\`--seed ${o.dataSeed + 1} --frames ${o.valFrames} --overlap 0.5\`)`,
  };
}
