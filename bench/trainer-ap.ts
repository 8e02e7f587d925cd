// Trainer benchmark: the reference detector's backbones side by side on the same data and training budget.
//   npx tsx bench/trainer-ap.ts [--data synthetic,trees] [--backbones scratch,efficientnet-lite0]
//     [--styles orchard,alt] [--sizes 20,50,100,200] [--steps 200] [--trees-steps 400] [--trees-flips horizontal|all] [--tta]
//     [--trees-scales 0.5,1,2] [--threshold 0.05]
//     [--val 100] [--device auto]
// synthetic: `synth` images (640x360) in MinneApple's layout, ingested by pomona; the last --val images are a
//   fixed validation set, each size takes the first n of one seeded shuffle of the rest (larger sets contain
//   the smaller ones).
// trees: real NEON aerial photographs with Pascal VOC tree-crown boxes from the deepforest wheel, ingested as
//   a VOC folder; trains on the 2299x2472 crop2 scene (574 trees), evaluates on the three other scenes
//   (1249x1035, 279 trees; OSBS_029 400x400, 61; SOAP_061 400x400, 37; all classes as one: "tree").
// Budget: every run takes the same number of optimiser steps (--steps; --trees-steps) at the trainer's
// default batch and crop size, so backbones are compared at equal training work. AP50 (VOC all-point) and
// COCO AP from pomona's own metrics (core/metrics); wall time of training and inference, images (crops)/s.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { trainerPython } from '../activities/trainer-process';
import { ingestDataset } from '../core/dataset/ingest';
import { seededShuffle } from '../core/selection/random';
import { treePhotographs } from './tree-photographs';
import { linkSet, trainAndScore, type RunScores, type RunSettings } from './trainer-runs';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'synthetic,trees' },
    backbones: { type: 'string', default: 'scratch,efficientnet-lite0' },
    styles: { type: 'string', default: 'orchard,alt' },
    sizes: { type: 'string', default: '20,50,100,200' },
    steps: { type: 'string', default: '200' },
    'trees-steps': { type: 'string', default: '400' },
    // trees: the flips to train with (`train --flips`; aerial views have no up) and test-time flips (`infer --tta`)
    'trees-flips': { type: 'string', default: 'horizontal' },
    tta: { type: 'boolean', default: false },
    // trees: multi-scale test (`infer --scales`: factors of the working scale, passes fused by weighted box fusion)
    'trees-scales': { type: 'string' },
    // `infer --threshold` of every run (fused boxes seen by one pass of P score s / P: a lower one keeps them)
    threshold: { type: 'string' },
    val: { type: 'string', default: '100' },
    device: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '0' },
    dir: { type: 'string' },
  },
});

interface Row extends RunScores {
  data: string;
  labelled: number;
  backbone: string;
}

function runSettings(backbone: string, steps: number): RunSettings {
  return { backbone, steps, seed: values.seed, device: values.device, tta: values.tta, threshold: values.threshold };
}

async function synthetic(work: string, style: string, report: (row: Row) => void): Promise<void> {
  const sizes = values.sizes.split(',').map(Number);
  const valCount = Number(values.val);
  const seed = Number(values.seed);
  const data = path.join(work, style);
  if (!fs.existsSync(path.join(data, 'masks'))) {
    const count = String(Math.max(...sizes) + valCount);
    execFileSync(
      trainerPython(),
      [
        '-m',
        'pomona_trainer',
        'synth',
        '--out',
        data,
        '--count',
        count,
        '--seed',
        String(1000 + seed),
        '--style',
        style,
      ],
      { stdio: 'inherit' },
    );
  }
  const manifest = await ingestDataset(data, path.join(work, `${style}-labels`));
  const labelled = manifest.images.filter((i) => i.labels);
  const pool = seededShuffle(labelled.slice(0, labelled.length - valCount), seed);
  const valItems = labelled.slice(-valCount);
  const val = { ...linkSet(path.join(work, `${style}-val-${Date.now()}`), valItems), count: valItems.length };
  for (const n of sizes) {
    for (const backbone of values.backbones.split(',')) {
      const result = await trainAndScore(
        path.join(work, `run-${Date.now()}-${style}-${n}-${backbone}`),
        pool.slice(0, n),
        val,
        runSettings(backbone, Number(values.steps)),
      );
      report({ data: `synthetic ${style}`, labelled: n, backbone, ...result });
    }
  }
}

async function trees(work: string, report: (row: Row) => void): Promise<void> {
  const photos = await treePhotographs(work);
  const val = {
    ...linkSet(path.join(work, `trees-val-${Date.now()}`), photos.val),
    labels: photos.valLabelsOneClass,
    count: photos.val.length,
  };
  for (const backbone of values.backbones.split(',')) {
    const dir = path.join(work, `run-${Date.now()}-trees-${backbone}`);
    const result = await trainAndScore(dir, [photos.train], val, {
      ...runSettings(backbone, Number(values['trees-steps'])),
      flips: values['trees-flips'],
      scales: values['trees-scales'],
    });
    report({
      data: `trees (NEON, 3 other scenes), flips ${values['trees-flips']}${values.tta ? ', tta' : ''}${values['trees-scales'] ? `, scales ${values['trees-scales']}` : ''}${values.threshold ? `, threshold ${values.threshold}` : ''}`,
      labelled: 1,
      backbone,
      ...result,
    });
  }
}

async function main(): Promise<void> {
  const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-trainer-'));
  const rows: Row[] = [];
  console.log(
    `trainer benchmark: ${values.steps} steps (trees ${values['trees-steps']}), ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), device ${values.device}, load ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log('| data | labelled | backbone | AP50 | COCO AP | train s | train crops/s | infer img/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  const report = (row: Row) => {
    rows.push(row);
    const cells = [
      row.data,
      row.labelled,
      row.backbone,
      row.ap50.toFixed(3),
      row.cocoAp.toFixed(3),
      row.trainSeconds.toFixed(1),
      (row.crops / row.trainSeconds).toFixed(1),
      row.inferImagesPerSecond.toFixed(1),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  };
  const data = values.data.split(',');
  if (data.includes('trees')) await trees(work, report);
  if (data.includes('synthetic')) for (const style of values.styles.split(',')) await synthetic(work, style, report);
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(rows, null, 2));
  console.log(`(work dir and results.json: ${work})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
