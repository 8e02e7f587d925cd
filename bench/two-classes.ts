// Several classes: per-class AP50 of the reference detector on two-class data.
//   npx tsx bench/two-classes.ts [--data colours,soap] [--backbone efficientnet-lite0] [--labelled 200]
//     [--steps 150] [--soap-steps 150] [--val 100] [--seed 0] [--device auto] [--dir DIR]
// colours: `synth --colour-classes` (640x360, red and green apples as the classes `red` and `green`),
//   ingested as a KITTI folder; trains on --labelled images, evaluates on the last --val.
// soap: deepforest's SOAP_061 (400x400, 28 Dead and 9 Alive tree crowns, ingested as VOC with classes
//   dead, alive) cut into four 200x200 tiles; four folds each train on three tiles and predict the fourth,
//   and the four held-out tiles are scored together (a box belongs to every tile holding 40% of it, the
//   trainer's rule for crops). 37 trees are few: the spread over seeds says how far to trust it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { trainerPython } from '../activities/trainer-process';
import { ingestDataset, type ManifestEntry } from '../core/dataset/ingest';
import { formatKittiFile, parseKitti, type Box } from '../core/formats/kitti';
import { evaluateFolders } from '../core/metrics/map';
import { seededShuffle } from '../core/selection/random';
import { deepforestDataDir } from '../tests/helpers/deepforest';
import { linkSet, trainAndScore, type RunSettings } from './trainer-runs';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'colours,soap' },
    backbone: { type: 'string', default: 'efficientnet-lite0' },
    labelled: { type: 'string', default: '200' },
    steps: { type: 'string', default: '150' },
    'soap-steps': { type: 'string', default: '150' },
    val: { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
    device: { type: 'string', default: 'auto' },
    dir: { type: 'string' },
  },
});

const settings = (steps: string, extra: Partial<RunSettings> = {}): RunSettings => ({
  backbone: values.backbone,
  steps: Number(steps),
  seed: values.seed,
  device: values.device,
  ...extra,
});

function report(data: string, ap50: number, byClass: Record<string, number>, seconds: number): void {
  const classes = Object.entries(byClass)
    .map(([c, ap]) => `${c} ${ap.toFixed(3)}`)
    .join(', ');
  console.log(
    `| ${data} | ${values.backbone} | ${values.seed} | ${ap50.toFixed(3)} | ${classes} | ${seconds.toFixed(0)} |`,
  );
}

async function colours(work: string): Promise<void> {
  const n = Number(values.labelled);
  const valCount = Number(values.val);
  const data = path.join(work, 'colours');
  if (!fs.existsSync(path.join(data, 'labels'))) {
    const args = ['synth', '--out', data, '--count', String(n + valCount), '--seed', '1000', '--colour-classes'];
    execFileSync(trainerPython(), ['-m', 'pomona_trainer', ...args], { stdio: 'inherit' });
  }
  const manifest = await ingestDataset(data, undefined, { classes: ['red', 'green'] });
  if (manifest.problems.length) throw new Error(`colours: ${manifest.problems[0].message}`);
  const labelled = manifest.images.filter((i) => i.labels);
  const pool = seededShuffle(labelled.slice(0, labelled.length - valCount), Number(values.seed));
  const valItems = labelled.slice(-valCount);
  const val = { ...linkSet(path.join(work, `colours-val-${Date.now()}`), valItems), count: valItems.length };
  const run = path.join(work, `run-${Date.now()}-colours-${n}`);
  const result = await trainAndScore(run, pool.slice(0, n), val, settings(values.steps, { classes: ['red', 'green'] }));
  report(`synthetic orchard, red/green, ${n} labelled`, result.ap50, result.ap50ByClass, result.trainSeconds);
}

/** The four 200x200 quadrants of a square photograph and their boxes, as images/ + labels/ under `dir`. */
function quadrants(image: string, labels: string, dir: string): ManifestEntry[] {
  const png = PNG.sync.read(fs.readFileSync(image));
  const half = { w: Math.floor(png.width / 2), h: Math.floor(png.height / 2) };
  const boxes = parseKitti(fs.readFileSync(labels, 'utf8'), labels, 'label').boxes;
  for (const sub of ['images', 'labels']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const tiles: ManifestEntry[] = [];
  for (const [qx, qy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]) {
    const name = `${path.basename(image, '.png')}_q${qy}${qx}`;
    const ox = qx * half.w;
    const oy = qy * half.h;
    const tile = new PNG({ width: half.w, height: half.h });
    PNG.bitblt(png, tile, ox, oy, half.w, half.h, 0, 0);
    const file = path.join(dir, 'images', `${name}.png`);
    fs.writeFileSync(file, PNG.sync.write(tile));
    const kept: Box[] = [];
    for (const b of boxes) {
      const c = {
        cls: b.cls,
        x1: Math.max(b.x1 - ox, 0),
        y1: Math.max(b.y1 - oy, 0),
        x2: Math.min(b.x2 - ox, half.w),
        y2: Math.min(b.y2 - oy, half.h),
      };
      const visible = Math.max(c.x2 - c.x1, 0) * Math.max(c.y2 - c.y1, 0);
      if (visible >= 0.4 * (b.x2 - b.x1) * (b.y2 - b.y1)) kept.push(c);
    }
    const labelFile = path.join(dir, 'labels', `${name}.txt`);
    fs.writeFileSync(labelFile, formatKittiFile(kept));
    tiles.push({ name, file, width: half.w, height: half.h, labels: labelFile, boxes: kept.length });
  }
  return tiles;
}

async function soap(work: string): Promise<void> {
  const voc = path.join(work, 'soap');
  for (const [sub, ext] of [
    ['images', '.png'],
    ['annotations', '.xml'],
  ]) {
    fs.mkdirSync(path.join(voc, sub), { recursive: true });
    const link = path.join(voc, sub, `SOAP_061${ext}`);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(deepforestDataDir(), `SOAP_061${ext}`), link);
  }
  const classes = ['dead', 'alive'];
  const manifest = await ingestDataset(voc, path.join(work, 'soap-labels'), { classes });
  if (manifest.problems.length) throw new Error(`SOAP_061: ${manifest.problems[0].message}`);
  const tiles = quadrants(
    manifest.images[0].file,
    manifest.images[0].labels!,
    path.join(work, `soap-tiles-${Date.now()}`),
  );
  const held = path.join(work, `soap-held-out-${Date.now()}`);
  fs.mkdirSync(path.join(held, 'pred'), { recursive: true });
  let seconds = 0;
  for (const [k, tile] of tiles.entries()) {
    const run = path.join(work, `run-${Date.now()}-soap-fold${k}`);
    const val = { ...linkSet(path.join(run, 'val'), [tile]), count: 1 };
    // 200x200 tiles: crops of 192x192 (the trainer's multiple of 32) hold a whole tile at zoom 1
    const result = await trainAndScore(
      run,
      tiles.filter((t) => t !== tile),
      val,
      settings(values['soap-steps'], { classes, inputSize: '192x192' }),
    );
    seconds += result.trainSeconds;
    for (const f of fs.readdirSync(path.join(run, 'pred')))
      fs.copyFileSync(path.join(run, 'pred', f), path.join(held, 'pred', f));
  }
  const heldLabels = linkSet(held, tiles).labels;
  const metrics = await evaluateFolders(heldLabels, path.join(held, 'pred'));
  report('SOAP_061, 4 tiles, each held out once (dead/alive)', metrics.map50, metrics.ap50_by_class, seconds);
}

async function main(): Promise<void> {
  const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-classes-'));
  console.log(
    `two-class benchmark: ${os.cpus().length} CPUs, device ${values.device}, load ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log('| data | backbone | seed | mAP50 | AP50 per class | train s |');
  console.log('|---|---|---|---|---|---|');
  const data = values.data.split(',');
  if (data.includes('colours')) await colours(work);
  if (data.includes('soap')) await soap(work);
  console.log(`(work dir: ${work})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
