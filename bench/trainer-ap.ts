// Trainer benchmark: trains the reference detector on 50, 100 and 200 labelled synthetic images and
// prints AP50 on a fixed validation set (pomona's own mAP code), training and inference speed.
//   npx tsx bench/trainer-ap.ts [--style orchard|alt] [--epochs 25] [--sizes 50,100,200] [--val 100] [--device auto]
// Each size uses the first n images of one seeded shuffle, so larger sets contain the smaller ones.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { trainerPython } from '../activities/trainer-process';
import { ingestDataset } from '../core/dataset/ingest';
import { repositoryRoot } from '../core/io/repository-root';
import { evaluateFolders } from '../core/metrics/map';
import { seededShuffle } from '../core/selection/random';

const { values } = parseArgs({
  options: {
    style: { type: 'string', default: 'orchard' },
    epochs: { type: 'string', default: '25' },
    sizes: { type: 'string', default: '50,100,200' },
    val: { type: 'string', default: '100' },
    device: { type: 'string', default: 'auto' },
    seed: { type: 'string', default: '0' },
    dir: { type: 'string' },
  },
});

function trainer(args: string[]): { events: Record<string, unknown>[]; seconds: number } {
  const started = Date.now();
  const run = spawnSync(trainerPython(), ['-m', 'pomona_trainer', ...args], { cwd: repositoryRoot(), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`trainer ${args[0]} failed (${run.status}): ${run.stderr.trim().split('\n').pop()}`);
  const events = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { events, seconds: (Date.now() - started) / 1000 };
}

function linkSet(dir: string, items: { file: string; labels?: string; name: string }[]): { images: string; labels: string } {
  const images = path.join(dir, 'images');
  const labels = path.join(dir, 'labels');
  fs.mkdirSync(images, { recursive: true });
  fs.mkdirSync(labels, { recursive: true });
  for (const item of items) {
    fs.symlinkSync(item.file, path.join(images, path.basename(item.file)));
    fs.symlinkSync(item.labels!, path.join(labels, `${item.name}.txt`));
  }
  return { images, labels };
}

async function main(): Promise<void> {
  const sizes = values.sizes!.split(',').map(Number);
  const epochs = Number(values.epochs);
  const valCount = Number(values.val);
  const seed = Number(values.seed);
  const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-trainer-'));
  const data = path.join(work, `${values.style}`);
  const total = Math.max(...sizes) + valCount;
  if (!fs.existsSync(path.join(data, 'masks'))) {
    execFileSync(trainerPython(), ['-m', 'pomona_trainer', 'synth', '--out', data, '--count', String(total), '--seed', String(1000 + seed), '--style', values.style!], { stdio: 'inherit' });
  }
  const manifest = await ingestDataset(data, path.join(work, `${values.style}-labels`));
  if (manifest.problems.length) console.error(`dataset problems: ${manifest.problems.length} (first: ${manifest.problems[0].message})`);
  const labelled = manifest.images.filter((i) => i.labels);
  const val = labelled.slice(-valCount);
  const pool = seededShuffle(labelled.slice(0, labelled.length - valCount), seed);
  const valSet = linkSet(path.join(work, `run-${Date.now()}`, 'val'), val);

  console.log(`trainer benchmark: style ${values.style}, ${epochs} epochs, validation ${val.length} images, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log('labelled | AP50  | COCO AP | train s | train img/s | infer img/s');
  for (const n of sizes) {
    const dir = path.join(work, `run-${Date.now()}-${n}`);
    const trainSet = linkSet(path.join(dir, 'train'), pool.slice(0, n));
    const train = trainer(['train', '--images', trainSet.images, '--labels', trainSet.labels, '--out', path.join(dir, 'out'), '--epochs', String(epochs), '--seed', String(seed), '--device', values.device!, '--checkpoint-interval', String(epochs)]);
    const done = train.events.find((e) => e.event === 'done')!;
    const infer = trainer(['infer', '--model', String(done.checkpoint), '--images', valSet.images, '--out', path.join(dir, 'pred'), '--device', values.device!]);
    const inferDone = infer.events.find((e) => e.event === 'done')!;
    const metrics = await evaluateFolders(valSet.labels, path.join(dir, 'pred'));
    const trainSeconds = Number(done.seconds);
    const row = `${String(n).padStart(8)} | ${metrics.map50.toFixed(3)} | ${metrics.coco_ap.toFixed(3).padStart(7)} | ${trainSeconds.toFixed(1).padStart(7)} | ${((n * epochs) / trainSeconds).toFixed(1).padStart(11)} | ${(val.length / Number(inferDone.seconds)).toFixed(1).padStart(11)}`;
    console.log(row);
  }
  console.log(`(work dir: ${work})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
