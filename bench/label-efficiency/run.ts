// Label-efficiency benchmark: loops of every selection strategy on one pool (pools.ts: independent images
// or video-like sequences) with a fixed validation split, same rounds, batch size and training steps,
// several seeds; writes results-<pool>.json, then docs/label-efficiency.md with every pool's section (report.ts).
//   npx tsx bench/label-efficiency/run.ts [--quick] [flags: see `options` below]
//   npx tsx bench/label-efficiency/run.ts --first-seed S --seeds N --out part.json --no-report   (a share of the seeds)
//   npx tsx bench/label-efficiency/run.ts --report-only a.json,b.json   (merge them into results-<pool>.json, then the report)
// Drives the loop's core functions and the trainer CLI directly, in the workflow's order (select ->
// simulated annotator = ground-truth labels -> train, fine-tuning the last round's weights -> evaluate on
// the validation split -> infer on the pool for CORAL's scores), without Temporal: the workflow adds
// durability, not different results, and a dev server + workers per loop would cost minutes on 2 cores.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { rowScores } from '../../core/scores/prediction-folder';
import { readEmbeddingsCsv } from '../../core/selection/embeddings-csv';
import { needsScores, selectRows } from '../../core/selection/select';
import type { Run } from './curve';
import { buildPool, POOL_KINDS, type PoolKind } from './pools';
import { mergeResults, poolLabel, type BenchResults, type BenchSettings } from './results';
import { repositoryRoot } from '../../core/io/repository-root';
import { scoreRound } from './score-round';
import { strategyMethods } from './strategy';
import { keptRows } from '../../activities/lightly-studio/deduplicate';
import { deduplicatedCandidates } from '../../core/selection/deduplicated';
import { linkSet, trainer } from '../trainer-runs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    data: { type: 'string', default: 'sequences' },
    width: { type: 'string', default: '320' },
    height: { type: 'string', default: '180' },
    // independent: pool and validation images
    pool: { type: 'string', default: '1500' },
    val: { type: 'string', default: '200' },
    // sequences: pool rows x frames and synth's knobs; validation rows x frames (another generator seed)
    sequences: { type: 'string', default: '50' },
    frames: { type: 'string', default: '30' },
    overlap: { type: 'string', default: '0.9' },
    tail: { type: 'string', default: '1' },
    // rows of different lengths: sigma of their log length (synth --length-spread), 0 = all --frames long
    'length-spread': { type: 'string', default: '0' },
    'val-sequences': { type: 'string', default: '40' },
    'val-frames': { type: 'string', default: '5' },
    // trees: tile side (150: 272 tiles, so 150 labels leave 45% of the pool unlabelled)
    tile: { type: 'string', default: '150' },
    embedding: { type: 'string', default: 'backbone' },
    backbone: { type: 'string', default: 'efficientnet-lite0' },
    'data-seed': { type: 'string', default: '2000' },
    seeds: { type: 'string', default: '3' },
    // Seeds first-seed .. first-seed + seeds - 1: split one benchmark's seeds across processes or machines.
    'first-seed': { type: 'string', default: '0' },
    strategies: { type: 'string', default: 'RANDOM,CORESET,CORAL,UNCERTAINTY,UNCERTAIN_CORESET' },
    initial: { type: 'string', default: '10' },
    batch: { type: 'string', default: '35' },
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '40' },
    'input-size': { type: 'string', default: '320x192' },
    'batch-size': { type: 'string', default: '16' },
    score: { type: 'string', default: 'uncertainty_entropy_mean' },
    // :dedup strategies: LightlyStudio's deduplication distance on the (unit-length) embeddings; 0.7 keeps
    // 700 of the sequence pool's 1500 frames (docs/selection.md)
    'dedup-distance': { type: 'string', default: '0.7' },
    device: { type: 'string', default: 'auto' },
    dir: { type: 'string' },
    out: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    // a.json,b.json: merge results files (seeds run in separate processes) into --out, then the report.
    'report-only': { type: 'string' },
    // Dataset dir with scenes.json, for a report from results files that do not name one.
    'data-dir': { type: 'string' },
    // With --report-only: a sentence on how the run was made or checked, kept in the results file (repeatable).
    note: { type: 'string', multiple: true },
  },
});
if (values.quick)
  Object.assign(values, {
    pool: '40',
    val: '12',
    sequences: '4',
    frames: '10',
    'val-sequences': '3',
    'val-frames': '4',
    seeds: '1',
    rounds: '2',
    steps: '3',
    initial: '4',
    batch: '4',
    'batch-size': '4',
  });
if (!(POOL_KINDS as readonly string[]).includes(values.data))
  throw new Error(`--data must be one of ${POOL_KINDS.join(', ')}, not ${values.data}`);
const poolOptions = {
  kind: values.data as PoolKind,
  dataSeed: Number(values['data-seed']),
  width: Number(values.width),
  height: Number(values.height),
  pool: Number(values.pool),
  val: Number(values.val),
  sequences: Number(values.sequences),
  frames: Number(values.frames),
  overlap: Number(values.overlap),
  tail: Number(values.tail),
  lengthSpread: Number(values['length-spread']),
  valSequences: Number(values['val-sequences']),
  valFrames: Number(values['val-frames']),
  tile: Number(values.tile),
};

const settings: BenchSettings = {
  data: poolOptions.kind,
  pool: 0, // counted once the pool is built
  val: 0,
  dataSeed: Number(values['data-seed']),
  seeds: Number(values.seeds),
  strategies: values.strategies.split(','),
  initial: Number(values.initial),
  batch: Number(values.batch),
  rounds: Number(values.rounds),
  steps: Number(values.steps),
  inputSize: values['input-size'],
  batchSize: Number(values['batch-size']),
  score: values.score,
  ...(poolOptions.kind === 'sequences' && poolOptions.lengthSpread ? { lengthSpread: poolOptions.lengthSpread } : {}),
  ...(values.strategies.split(',').some((x) => strategyMethods(x).deduplicate)
    ? { dedupDistance: Number(values['dedup-distance']) }
    : {}),
  device: values.device,
  embedding: values.embedding,
  backbone: values.backbone,
};

const BENCH_DIR = path.join(repositoryRoot(), 'bench', 'label-efficiency');
const resultsFile = (pool: string) => path.join(BENCH_DIR, `results-${pool}.json`);

async function main(): Promise<void> {
  settings.strategies.forEach(strategyMethods); // a misspelt strategy fails before the pool is built
  if (values['report-only']) {
    const files = values['report-only'].split(',').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchResults);
    const merged = files.length > 1 ? mergeResults(files) : files[0];
    merged.notes = [...(merged.notes ?? []), ...(values.note ?? [])];
    if (values['data-dir']) merged.dataDir = values['data-dir'];
    const out = values.out ?? resultsFile(poolLabel(merged.settings));
    fs.writeFileSync(out, JSON.stringify(merged, null, 1) + '\n');
    console.log(
      `results: ${out} (${files.length} file(s), seeds ${[...new Set(merged.runs.map((x) => x.seed))].join(', ')})`,
    );
    const { defaultResultsFiles, writeReport } = await import('./report');
    await writeReport(path.resolve(path.dirname(out)) === BENCH_DIR ? defaultResultsFiles() : [out]);
    return;
  }
  const started = Date.now();
  const work = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-label-efficiency-'));
  const built = await buildPool(work, poolOptions);
  const { pool, val } = built;
  settings.pool = pool.length;
  settings.val = val.length;
  const splitDir = path.join(work, `split-${Date.now()}`);
  const valSet = linkSet(path.join(splitDir, 'val'), val);
  const poolSet = linkSet(path.join(splitDir, 'pool'), pool);

  const embedStarted = Date.now();
  const embeddingsPath = path.join(splitDir, 'embeddings.csv');
  trainer([
    'embed',
    '--features',
    settings.embedding!,
    '--images',
    poolSet.images,
    '--out',
    embeddingsPath,
    '--device',
    settings.device,
  ]);
  const embedSeconds = (Date.now() - embedStarted) / 1000;
  const embeddings = await readEmbeddingsCsv(embeddingsPath);
  const rowNames = embeddings.filenames.map((f) => path.basename(f, path.extname(f)));
  const keptRows = settings.dedupDistance ? await dedupRows(embeddingsPath, embeddings.filenames) : undefined;
  const byName = new Map(pool.map((p) => [p.name, p]));

  const results: BenchResults = {
    settings,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '?',
      device: settings.device,
      loadAverageAtStart: os.loadavg(),
    },
    started: new Date(started).toISOString(),
    dataDir: built.scenesDir,
    poolScenes: built.poolScenes,
    dataDescription: built.description,
    wallSeconds: 0,
    embedSeconds,
    runs: [],
  };
  // A --quick smoke run writes its results and report into the work dir, never over the documented numbers.
  const out = values.out ?? (values.quick ? path.join(work, 'results.json') : resultsFile(poolLabel(settings)));
  console.log(
    `label efficiency on ${built.description}: pool ${pool.length}, validation ${val.length}, ${settings.rounds} rounds (${settings.initial} + ${settings.batch}/round), ${settings.steps} steps/round at ${settings.inputSize}; embed ${embedSeconds.toFixed(1)} s; work ${work}`,
  );

  const firstSeed = Number(values['first-seed']);
  if (!Number.isInteger(firstSeed) || firstSeed < 0)
    throw new Error(`--first-seed must be a whole number >= 0, not ${values['first-seed']}`);
  // Rounds with the same seed and the same picks so far train the same weights (deterministic on CPU), so
  // they are trained once: every strategy but RANDOM starts with the same CORESET batch.
  const trained = new Map<
    string,
    { roundDir: string; weights: string; map50: number; byScene?: Record<string, number>; poolPredictions?: string }
  >();
  for (let seed = firstSeed; seed < firstSeed + settings.seeds; seed++) {
    for (const strategy of settings.strategies) {
      const methods = strategyMethods(strategy);
      const runStarted = Date.now();
      const chosen: number[] = [];
      const rounds: Run['rounds'] = [];
      const picks: string[][] = [];
      let weights: string | undefined;
      let poolPredictions: string | undefined;
      for (let round = 1; round <= settings.rounds; round++) {
        const method = round === 1 ? methods.initial : methods.rounds;
        const chosenSet = new Set(chosen);
        const count = round === 1 ? settings.initial : settings.batch;
        const open = rowNames.flatMap((_, i) => (chosenSet.has(i) ? [] : [i]));
        const candidates = methods.deduplicate ? deduplicatedCandidates(open, keptRows!, count) : open;
        const scores = needsScores(method)
          ? await rowScores(poolPredictions!, embeddings.filenames, settings.score as never)
          : undefined;
        // RANDOM's seed per round as the workflow passes it (selection seed + round).
        const newRows = selectRows({
          method,
          embeddings,
          preselected: chosen,
          candidates,
          count,
          seed: 1000 * seed + round,
          scores,
        });
        chosen.push(...newRows);
        picks.push(newRows.map((i) => rowNames[i]));
        const key = JSON.stringify([seed, picks]);
        let done = trained.get(key);
        if (!done) {
          const roundDir = path.join(splitDir, `${strategy}-${seed}`, `round-${round}`);
          const trainSet = linkSet(
            path.join(roundDir, 'train'),
            chosen.map((i) => byName.get(rowNames[i])!),
          );
          const trainArgs = [
            'train',
            '--images',
            trainSet.images,
            '--labels',
            trainSet.labels,
            '--out',
            path.join(roundDir, 'out'),
            '--backbone',
            settings.backbone!,
            '--epochs',
            '1',
            '--min-steps',
            String(settings.steps),
            '--seed',
            String(seed * 100 + round),
            '--device',
            settings.device,
            '--input-size',
            settings.inputSize,
            '--batch-size',
            String(settings.batchSize),
            '--checkpoint-interval',
            '1000',
          ];
          if (weights) trainArgs.push('--init', weights);
          const checkpoint = String(trainer(trainArgs).find((e) => e.event === 'done')!.checkpoint);
          trainer([
            'infer',
            '--model',
            checkpoint,
            '--images',
            valSet.images,
            '--out',
            path.join(roundDir, 'val-pred'),
            '--device',
            settings.device,
          ]);
          const valLabels = built.valLabels ?? valSet.labels;
          const valPred = path.join(roundDir, 'val-pred');
          done = { roundDir, weights: checkpoint, ...(await scoreRound(valLabels, valPred, built.valScenes)) };
          trained.set(key, done);
        }
        weights = done.weights;
        rounds.push({ labelled: chosen.length, map50: done.map50, ...(done.byScene ? { byScene: done.byScene } : {}) });
        if (round < settings.rounds && needsScores(methods.rounds)) {
          if (!done.poolPredictions) {
            trainer([
              'infer',
              '--model',
              done.weights,
              '--images',
              poolSet.images,
              '--out',
              path.join(done.roundDir, 'pool-pred'),
              '--device',
              settings.device,
            ]);
            done.poolPredictions = path.join(done.roundDir, 'pool-pred');
          }
          poolPredictions = done.poolPredictions;
        }
        console.log(
          `${strategy} seed ${seed} round ${round}: ${chosen.length} labelled, mAP@0.5 ${done.map50.toFixed(3)}`,
        );
      }
      results.runs.push({ strategy, seed, rounds, picks, seconds: (Date.now() - runStarted) / 1000 });
      results.wallSeconds = (Date.now() - started) / 1000;
      fs.writeFileSync(out, JSON.stringify(results, null, 1) + '\n');
    }
  }
  console.log(`results: ${out} (${(results.wallSeconds / 60).toFixed(1)} min)`);
  if (!values['no-report']) {
    // the page shows every pool: this run's file and the committed ones of the other pools
    const { defaultResultsFiles, writeReport } = await import('./report');
    await writeReport(
      values.quick ? [out] : path.resolve(path.dirname(out)) === BENCH_DIR ? defaultResultsFiles() : [out],
      values.quick ? work : undefined,
    );
  }
}

/** Rows LightlyStudio's deduplication keeps at --dedup-distance (a pool of video frames keeps one of each run). */
async function dedupRows(embeddingsPath: string, rowFiles: readonly string[]): Promise<Set<number>> {
  const started = Date.now();
  const kept = await keptRows(embeddingsPath, settings.dedupDistance!, rowFiles);
  console.log(
    `deduplication at ${settings.dedupDistance}: ${kept.size} of ${rowFiles.length} pool images kept (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return kept;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
