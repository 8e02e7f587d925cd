// Do the embeddings make CORESET's first batch more diverse than a random one? On a synthetic orchard
// (whose scenes.json records each image's light, distance, occlusion and apple colour), embeds the pool
// with the trainer, picks k images by CORESET and by RANDOM (several seeds), and prints how many scene
// kinds and how many images of rare attributes each batch covers.
//   npx tsx bench/embedding-coverage.ts [--count 400] [--k 40] [--seeds 5] [--features backbone|scene|ssl] [--epochs 10]
// --features defaults to the trainer's and the loop's (backbone); --epochs applies to ssl only (the others train nothing).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { trainerPython } from '../activities/trainer-process';
import { coresetSelect } from '../core/selection/coreset';
import { readEmbeddingsCsv } from '../core/selection/embeddings-csv';
import { randomSelect } from '../core/selection/random';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '400' },
    k: { type: 'string', default: '40' },
    seeds: { type: 'string', default: '5' },
    features: { type: 'string', default: 'backbone' },
    epochs: { type: 'string', default: '10' },
    dir: { type: 'string' },
  },
});

interface Scene {
  scene: string;
  light: string;
  distance: string;
  occlusion: string;
  colour: string;
}

/** Attribute values that occur in under 15% of the pool: the cases a diverse batch should not miss. */
function rareValues(scenes: Scene[]): [keyof Scene, string][] {
  const out: [keyof Scene, string][] = [];
  for (const key of ['light', 'distance', 'occlusion', 'colour'] as const) {
    const counts = new Map<string, number>();
    for (const s of scenes) counts.set(s[key], (counts.get(s[key]) ?? 0) + 1);
    for (const [value, n] of counts) if (n / scenes.length < 0.15) out.push([key, value]);
  }
  return out;
}

function coverage(batch: Scene[], rare: [keyof Scene, string][]) {
  return {
    kinds: new Set(batch.map((s) => s.scene)).size,
    rareImages: batch.filter((s) => rare.some(([k, v]) => s[k] === v)).length,
    rareValuesSeen: rare.filter(([k, v]) => batch.some((s) => s[k] === v)).length,
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const spread = (v: number[]) => `${mean(v).toFixed(1)} (${Math.min(...v)}-${Math.max(...v)})`;

async function main(): Promise<void> {
  const count = Number(values.count);
  const k = Number(values.k);
  const seeds = Number(values.seeds);
  const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-coverage-'));
  const python = trainerPython();
  console.log(
    `embedding coverage: ${seeds} synthetic pools of ${count} images, batches of ${k}, embed --features ${values.features}${values.features === 'ssl' ? ` ${values.epochs} epochs` : ''}`,
  );
  console.log(
    'pool | scene kinds in pool | CORESET kinds | RANDOM kinds (mean of 5) | CORESET rare images | RANDOM rare images | CORESET rare values | RANDOM rare values',
  );
  const totals = {
    coresetKinds: [] as number[],
    randomKinds: [] as number[],
    coresetRare: [] as number[],
    randomRare: [] as number[],
  };
  for (let seed = 0; seed < seeds; seed++) {
    const data = path.join(work, `orchard-${seed}`);
    if (!fs.existsSync(path.join(data, 'scenes.json'))) {
      execFileSync(
        python,
        ['-m', 'pomona_trainer', 'synth', '--out', data, '--count', String(count), '--seed', String(500 + seed)],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
    }
    const csv = path.join(data, `embeddings-${values.features}.csv`);
    if (!fs.existsSync(csv)) {
      const started = Date.now();
      execFileSync(
        python,
        [
          '-m',
          'pomona_trainer',
          'embed',
          '--images',
          path.join(data, 'images'),
          '--out',
          csv,
          '--features',
          values.features,
          '--epochs',
          values.epochs,
          '--seed',
          String(seed),
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      console.log(`pool ${seed}: embedded ${count} images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const scenesByName = JSON.parse(fs.readFileSync(path.join(data, 'scenes.json'), 'utf8')) as Record<string, Scene>;
    const embeddings = await readEmbeddingsCsv(csv);
    const scenes = embeddings.filenames.map((f) => scenesByName[path.basename(f, path.extname(f))]);
    const rare = rareValues(scenes);
    const core = coverage(
      coresetSelect(embeddings, { batchSize: k }).picks.map((i) => scenes[i]),
      rare,
    );
    const all = scenes.map((_, i) => i);
    const randoms = Array.from({ length: 5 }, (_, r) =>
      coverage(
        randomSelect(all, k, 1000 * seed + r).map((i) => scenes[i]),
        rare,
      ),
    );
    const kinds = new Set(scenes.map((s) => s.scene)).size;
    totals.coresetKinds.push(core.kinds);
    totals.randomKinds.push(mean(randoms.map((r) => r.kinds)));
    totals.coresetRare.push(core.rareImages);
    totals.randomRare.push(mean(randoms.map((r) => r.rareImages)));
    console.log(
      `${seed} | ${kinds} | ${core.kinds} | ${spread(randoms.map((r) => r.kinds))} | ${core.rareImages} | ${spread(randoms.map((r) => r.rareImages))} | ${core.rareValuesSeen}/${rare.length} | ${spread(randoms.map((r) => r.rareValuesSeen))}/${rare.length}`,
    );
  }
  console.log(
    `mean | | ${mean(totals.coresetKinds).toFixed(1)} | ${mean(totals.randomKinds).toFixed(1)} | ${mean(totals.coresetRare).toFixed(1)} | ${mean(totals.randomRare).toFixed(1)} | |`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
