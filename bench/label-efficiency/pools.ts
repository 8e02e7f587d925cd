// The label-efficiency benchmark's pools and their validation splits, each ingested by pomona's own ingest.
// - independent: `synth --count`, independent images; the validation split is one seeded shuffle's first
//   `val` images, the pool the rest.
// - sequences: `synth --sequences`, rows filmed by a moving camera (near-copies along a row, long-tailed
//   conditions); the validation split is other rows (another generator seed), a few spread-out frames each,
//   so no validation image is a near-copy of a pool frame.
// - trees: real aerial photographs (tree-photographs.ts): the pool is the training scene cut into tiles,
//   the validation split the three other scenes, whole.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { trainerPython } from '../../activities/trainer-process';
import { ingestDataset, type ManifestEntry } from '../../core/dataset/ingest';
import { formatKittiFile, parseKitti, type Box } from '../../core/formats/kitti';
import { seededShuffle } from '../../core/selection/random';
import { treePhotographs } from '../tree-photographs';

export const POOL_KINDS = ['sequences', 'independent', 'trees'] as const;
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
  /** sequences: sigma of the rows' log length (`synth --length-spread`); 0: every row `frames` long. */
  lengthSpread: number;
  valSequences: number;
  valFrames: number;
  /** trees: tile side in px. */
  tile: number;
}

export interface Pool {
  pool: ManifestEntry[];
  val: ManifestEntry[];
  /** The folder of the pool's scenes.json, and the scene kind of each pool image (the coverage table). */
  scenesDir?: string;
  poolScenes?: Record<string, string>;
  /** The scene kind of each validation image (synthetic pools), for mAP per kind. */
  valScenes?: Record<string, string>;
  /** Validation labels to score against, when not the validation images' own (trees: one class). */
  valLabels?: string;
  /** One line for the report: what the pool is and how it was made. */
  description: string;
}

function synth(out: string, args: (string | number)[]): void {
  if (fs.existsSync(path.join(out, 'scenes.json'))) return;
  execFileSync(trainerPython(), ['-m', 'pomona_trainer', 'synth', '--out', out, ...args.map(String)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const scenesOf = (dir: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(
      JSON.parse(fs.readFileSync(path.join(dir, 'scenes.json'), 'utf8')) as Record<string, { scene: string }>,
    ).map(([name, a]) => [name, a.scene]),
  );
const labelled = async (dir: string) =>
  (await ingestDataset(dir, path.join(dir, 'kitti-labels'))).images.filter((i) => i.labels);
const byName = (a: ManifestEntry, b: ManifestEntry) => a.name.localeCompare(b.name);

/** Window origins along one side: every `tile` px, the last flush with the far edge (tiling.py's rule). */
export function tileOrigins(length: number, tile: number): number[] {
  if (length <= tile) return [0];
  const out: number[] = [];
  for (let x = 0; x + tile < length; x += tile) out.push(x);
  return [...out, length - tile];
}

/** KEEP_SHARE: a box cut by a tile's edge is kept (clipped) when at least half of its area is inside. */
const KEEP_SHARE = 0.5;

export function boxesInTile(boxes: readonly Box[], x0: number, y0: number, tile: number): Box[] {
  const out: Box[] = [];
  for (const b of boxes) {
    const x1 = Math.max(b.x1, x0);
    const y1 = Math.max(b.y1, y0);
    const x2 = Math.min(b.x2, x0 + tile);
    const y2 = Math.min(b.y2, y0 + tile);
    if (x2 <= x1 || y2 <= y1 || (x2 - x1) * (y2 - y1) < KEEP_SHARE * (b.x2 - b.x1) * (b.y2 - b.y1)) continue;
    out.push({ cls: 'tree', x1: x1 - x0, y1: y1 - y0, x2: x2 - x0, y2: y2 - y0 });
  }
  return out;
}

/** The scene cut into tile x tile PNGs with KITTI labels, as a KITTI folder (images/ + labels/). */
export function writeTiles(image: string, labels: string, out: string, tile: number): void {
  if (fs.existsSync(path.join(out, 'labels'))) return;
  const png = PNG.sync.read(fs.readFileSync(image));
  const boxes = parseKitti(fs.readFileSync(labels, 'utf8'), labels, 'label').boxes;
  for (const sub of ['images', 'labels.tmp']) fs.mkdirSync(path.join(out, sub), { recursive: true });
  const w = Math.min(tile, png.width);
  const h = Math.min(tile, png.height);
  for (const y0 of tileOrigins(png.height, tile)) {
    for (const x0 of tileOrigins(png.width, tile)) {
      const piece = new PNG({ width: w, height: h });
      PNG.bitblt(png, piece, x0, y0, w, h, 0, 0);
      const name = `y${String(y0).padStart(4, '0')}_x${String(x0).padStart(4, '0')}`;
      fs.writeFileSync(path.join(out, 'images', `${name}.png`), PNG.sync.write(piece, { colorType: 2 }));
      fs.writeFileSync(path.join(out, 'labels.tmp', `${name}.txt`), formatKittiFile(boxesInTile(boxes, x0, y0, tile)));
    }
  }
  fs.renameSync(path.join(out, 'labels.tmp'), path.join(out, 'labels')); // complete, or rebuilt next time
}

export async function buildPool(work: string, o: PoolOptions): Promise<Pool> {
  const size = ['--width', o.width, '--height', o.height];
  if (o.kind === 'trees') {
    const photos = await treePhotographs(work);
    const tiles = path.join(work, `trees-tiles-${o.tile}`);
    writeTiles(photos.train.file, photos.train.labels!, tiles, o.tile);
    const pool = (await labelled(tiles)).sort(byName);
    return {
      pool,
      val: photos.val,
      valLabels: photos.valLabelsOneClass,
      description:
        `real aerial photographs (NEON, deepforest wheel): the ${photos.train.name} scene cut into ${pool.length} tiles of ${o.tile}x${o.tile} px ` +
        `(a crown cut by a tile edge kept when half of it is inside); validation: the 3 other scenes, whole (${photos.val.map((v) => v.name).join(', ')})`,
    };
  }
  if (o.kind === 'independent') {
    const data = path.join(work, `independent-${o.dataSeed}-${o.pool + o.val}-${o.width}x${o.height}`);
    synth(data, ['--count', o.pool + o.val, '--seed', o.dataSeed, ...size]);
    // Fixed validation split: the same seeded shuffle for every strategy and seed.
    const shuffled = seededShuffle(await labelled(data), o.dataSeed);
    return {
      val: shuffled.slice(0, o.val),
      pool: shuffled.slice(o.val).sort(byName),
      scenesDir: data,
      poolScenes: scenesOf(data),
      valScenes: scenesOf(data),
      description: `independent synthetic orchard images (\`synth --count ${o.pool + o.val} --seed ${o.dataSeed}\`, ${o.width}x${o.height}), ${o.pool} pool + ${o.val} validation images, one seeded split`,
    };
  }
  const spread = o.lengthSpread ? ['--length-spread', o.lengthSpread] : [];
  const knobs = ['--overlap', o.overlap, '--tail', o.tail, ...spread];
  const poolDir = path.join(
    work,
    `sequences-${o.dataSeed}-${o.sequences}x${o.frames}-${o.overlap}-${o.tail}${o.lengthSpread ? `-ls${o.lengthSpread}` : ''}-${o.width}x${o.height}`,
  );
  synth(poolDir, ['--sequences', o.sequences, '--frames', o.frames, ...knobs, '--seed', o.dataSeed, ...size]);
  // Validation: other rows of the same distribution, frames spread along each row (overlap 0.5).
  const valDir = path.join(
    work,
    `sequences-${o.dataSeed + 1}-${o.valSequences}x${o.valFrames}-0.5-${o.tail}-${o.width}x${o.height}`,
  );
  synth(valDir, [
    '--sequences',
    o.valSequences,
    '--frames',
    o.valFrames,
    '--overlap',
    0.5,
    '--tail',
    o.tail,
    '--seed',
    o.dataSeed + 1,
    ...size,
  ]);
  const pool = (await labelled(poolDir)).sort(byName);
  const val = await labelled(valDir);
  return {
    pool,
    val,
    scenesDir: poolDir,
    poolScenes: scenesOf(poolDir),
    valScenes: scenesOf(valDir),
    description:
      `video-like sequences (\`synth --sequences ${o.sequences} --frames ${o.frames} --overlap ${o.overlap} --tail ${o.tail}${o.lengthSpread ? ` --length-spread ${o.lengthSpread}` : ''} --seed ${o.dataSeed}\`, ${o.width}x${o.height}): ` +
      `${pool.length} pool frames; validation ${val.length} frames of ${o.valSequences} other rows (\`--seed ${o.dataSeed + 1} --frames ${o.valFrames} --overlap 0.5\`)`,
  };
}
