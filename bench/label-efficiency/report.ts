// docs/label-efficiency.md and its learning-curve plot (SVG, and PNG rendered from the SVG) from a
// results.json written by run.ts.
//   npx tsx bench/label-efficiency/report.ts [bench/label-efficiency/results.json] [dataset dir]
import { Resvg } from '@resvg/resvg-js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { curves, labelsToReach, type CurvePoint } from './curve';
import { learningCurveSvg } from './plot';
import type { BenchMachine, BenchResults } from './results';

/** Targets of issue 4 (point 5). */
const CORAL_LABEL_FRACTION = 0.5;
const CORESET_FIRST_ROUND_GAIN = 0.03;

const fmt = (v: number) => v.toFixed(3);
const cell = (p: CurvePoint | undefined) => (p ? `${fmt(p.mean)} (${fmt(p.min)}-${fmt(p.max)})` : '-');

const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;
const load = (m: BenchMachine) => m.loadAverageAtStart.map((v) => v.toFixed(1)).join(' / ');

/** When, where and how long: one line for a single process, a table of the parts for a merged file. */
function runLines(r: BenchResults): string[] {
  const m = r.machine;
  const where = `${m.cpus} CPU cores (${m.cpuModel}), device \`${m.device}\``;
  if (!r.parts || r.parts.length < 2) {
    return [
      `Run ${r.started}, ${minutes(r.wallSeconds)} wall time on ${where},`,
      `load average at start ${load(m)} (the cores were shared with other jobs, so the wall time is an upper bound).`,
      `Embedding the pool (\`embed\`, scene statistics): ${r.embedSeconds.toFixed(1)} s for ${r.settings.pool} images.`,
    ];
  }
  const lines = [
    `Run in ${r.parts.length} processes, one after another, each running a share of the seeds (\`run.ts --first-seed S --seeds N\`),`,
    `then merged into one results file with \`run.ts --report-only a.json,b.json\` (same settings checked, every strategy and seed once).`,
    `Total wall time ${minutes(r.wallSeconds)} (the sum of the parts) on ${where}; the cores were shared with other jobs, so wall times are upper bounds.`,
    '',
    '| part | started | seeds | wall time | load average at start (1 / 5 / 15 min) | CPU | `embed` of the pool |',
    '|---|---|---|---|---|---|---|',
  ];
  r.parts.forEach((p, i) => lines.push(`| ${i + 1} | ${p.started} | ${p.seeds.join(', ')} | ${minutes(p.wallSeconds)} | ${load(p.machine)} | ${p.machine.cpus} x ${p.machine.cpuModel} | ${p.embedSeconds.toFixed(1)} s |`));
  return lines;
}

/** Time per seed (its loops' seconds summed), from the runs themselves. */
function runtimeLines(r: BenchResults): string[] {
  const perSeed = [...new Set(r.runs.map((x) => x.seed))].map((seed) => r.runs.filter((x) => x.seed === seed).reduce((sum, x) => sum + x.seconds, 0));
  const loops = r.settings.strategies.length * perSeed.length;
  return [
    `Runtime: ${loops} loops x ${r.settings.rounds} rounds x (train + validation inference) + CORAL's pool inference. In this run one`,
    `seed's ${r.settings.strategies.length} loops took ${perSeed.map(minutes).join(', ')} on the shared 2-core machine (slower while other jobs saturated the`,
    'cores); `--device cuda` runs the same on a GPU (not measured here: no GPU was available). `--quick` (60 pool images,',
    '1 seed, 2 rounds of 5, 10 steps) is a smoke run of about a minute.',
    '',
  ];
}

/**
 * Round 1 of CORESET and CORAL: the same k-center batch in every seed, so the spread of their mAP there is
 * the trainer's seed alone (initialisation and data order).
 */
function trainerSeedNoise(r: BenchResults): string[] {
  const first = r.runs.filter((x) => x.strategy !== 'RANDOM' && x.rounds.length);
  const batches = new Set(first.map((x) => [...x.picks[0]].sort().join(',')));
  if (new Set(first.map((x) => x.seed)).size < 2 || batches.size !== 1) return [];
  const v = first.map((x) => x.rounds[0].map50);
  return [
    '## The trainer\'s seed alone',
    '',
    `CORESET's first batch is the same ${first[0].picks[0].length} images in every seed, so the spread of round 1's mAP for CORESET and CORAL`,
    `(${fmt(Math.min(...v))}-${fmt(Math.max(...v))}, ${(100 * (Math.max(...v) - Math.min(...v))).toFixed(1)} points) is the trainer's seed alone. A difference of a few points between`,
    'strategies, 3 seeds each, is within that noise.',
    '',
  ];
}

/** Mean number of scene kinds among the first batch and among all labels, per strategy (scenes: name -> kind). */
function sceneCoverage(r: BenchResults, scenes: Record<string, { scene: string }>): string[] {
  const kinds = new Set(Object.values(scenes).map((s) => s.scene)).size;
  const lines = [`## Scene kinds among the labelled images (of ${kinds} in the dataset), mean over seeds`, '', '| strategy | first batch | all labels at the end |', '|---|---|---|'];
  for (const strategy of r.settings.strategies) {
    const runs = r.runs.filter((x) => x.strategy === strategy);
    if (!runs.length) continue;
    const covered = (names: string[]) => new Set(names.map((n) => scenes[n]?.scene)).size;
    const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1);
    lines.push(`| ${strategy} | ${mean(runs.map((x) => covered(x.picks[0])))} | ${mean(runs.map((x) => covered(x.picks.flat())))} |`);
  }
  return [...lines, ''];
}

export function reportMarkdown(r: BenchResults, plotName: string, scenes?: Record<string, { scene: string }>): string {
  const s = r.settings;
  const c = curves(r.runs);
  const random = c.get('RANDOM');
  const counts = [...new Set([...c.values()].flat().map((p) => p.labelled))].sort((a, b) => a - b);
  const lines: string[] = [];
  lines.push('# Label efficiency: RANDOM vs CORESET vs CORAL');
  lines.push('');
  lines.push('Generated by `bench/label-efficiency/report.ts` from `bench/label-efficiency/results.json`; do not edit by hand');
  lines.push('(rerun the benchmark, see README). Method, setting and caveats: the end of this page.');
  lines.push('');
  lines.push(...runLines(r));
  if (r.notes?.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  lines.push('');
  lines.push(`![mAP@0.5 vs labelled images](${plotName}.png)`);
  lines.push('');
  lines.push(`(SVG: [${plotName}.svg](${plotName}.svg))`);
  lines.push('');
  const seedsRun = new Set(r.runs.map((x) => x.seed)).size;
  lines.push(`## mAP@0.5 on the validation split: mean (min-max) over ${seedsRun} seed(s)${seedsRun < s.seeds ? ` (of ${s.seeds} planned: the run was cut short)` : ''}`);
  lines.push('');
  // Seeds per strategy, from the runs themselves (a file cut short may hold unequal counts).
  lines.push(`| labelled | ${[...c.entries()].map(([strategy, pts]) => `${strategy} (${Math.max(...pts.map((p) => p.n))} seeds)`).join(' | ')} |`);
  lines.push(`|---|${[...c.keys()].map(() => '---').join('|')}|`);
  for (const n of counts) lines.push(`| ${n} | ${[...c.values()].map((pts) => cell(pts.find((p) => p.labelled === n))).join(' | ')} |`);
  lines.push('');
  if (random?.length) {
    const target = random[random.length - 1].mean;
    const budget = random[random.length - 1].labelled;
    lines.push(`## Labels needed to reach RANDOM's mAP at the final budget (${fmt(target)} at ${budget} labels)`);
    lines.push('');
    lines.push('Linear interpolation of the mean curve between the two labelled counts around the crossing (`curve.ts`).');
    lines.push('');
    lines.push('| strategy | labels | share of RANDOM\'s |');
    lines.push('|---|---|---|');
    for (const [strategy, pts] of c) {
      const n = labelsToReach(pts, target);
      lines.push(`| ${strategy} | ${n === null ? `not reached within ${pts[pts.length - 1].labelled}` : n.toFixed(1)} | ${n === null ? '-' : `${((100 * n) / budget).toFixed(0)}%`} |`);
    }
    lines.push('');
    lines.push('## Targets');
    lines.push('');
    const coral = c.get('CORAL');
    if (coral) {
      const n = labelsToReach(coral, target);
      const met = n !== null && n <= CORAL_LABEL_FRACTION * budget;
      lines.push(`- CORAL needs at most ${CORAL_LABEL_FRACTION * 100}% of RANDOM's labels: **${met ? 'met' : 'not met'}** (${n === null ? 'not reached' : `${n.toFixed(1)} of ${budget}`}).`);
    }
    const coreset = c.get('CORESET');
    if (coreset) {
      const gain = coreset[0].mean - random[0].mean;
      lines.push(`- CORESET's first round beats RANDOM's by at least ${CORESET_FIRST_ROUND_GAIN * 100} mAP points: **${gain >= CORESET_FIRST_ROUND_GAIN ? 'met' : 'not met'}** (${(100 * gain).toFixed(1)} points: ${fmt(coreset[0].mean)} vs ${fmt(random[0].mean)} at ${coreset[0].labelled} labels).`);
    }
    lines.push('');
  }
  lines.push(...trainerSeedNoise(r));
  if (scenes) lines.push(...sceneCoverage(r, scenes));
  lines.push('## Settings of this run');
  lines.push('');
  lines.push('| setting | value |');
  lines.push('|---|---|');
  lines.push(`| data | synthetic orchard (\`synth --seed ${s.dataSeed}\`, 640x360), ${s.pool} pool + ${s.val} validation images, fixed split |`);
  lines.push(`| rounds | ${s.rounds}: ${s.initial} initial labels, then ${s.batch} per round |`);
  lines.push(`| strategies | ${s.strategies.join(', ')}; CORESET and CORAL start with a CORESET batch, RANDOM with a random one |`);
  lines.push(`| CORAL score | \`${s.score}\`, strength 1 |`);
  lines.push(`| training per round | ${s.steps} optimiser steps (\`--min-steps\`), batch ${s.batchSize}, input ${s.inputSize}, round n fine-tunes round n-1 |`);
  lines.push(`| seeds | ${s.seeds} (${[...new Set(r.runs.map((x) => x.seed))].sort((a, b) => a - b).join(', ')}): seed s trains with \`--seed 100 s + round\` and RANDOM picks with seed 1000 s + round (CORESET's k-center picks do not depend on a seed, so its first batch is the same in every seed) |`);
  lines.push('');
  lines.push(METHOD);
  lines.push(...runtimeLines(r));
  lines.push(TRIED);
  return lines.join('\n') + '\n';
}

const METHOD = `## Commands

\`\`\`
npx tsx bench/label-efficiency/run.ts                # all seeds in one process: results.json and this page
npx tsx bench/label-efficiency/run.ts --first-seed 2 --seeds 1 --out /tmp/seed2.json --no-report   # one seed alone
npx tsx bench/label-efficiency/run.ts --report-only bench/label-efficiency/results.json,/tmp/seed2.json   # merge, redraw
npx tsx bench/label-efficiency/run.ts --quick        # smoke run, into a temporary dir
\`\`\`

## Method

\`bench/label-efficiency/run.ts\` drives, for every strategy and seed, the loop's steps in the workflow's order
with the project's own code: selection (\`core/selection/select.ts\`, the \`selectBatch\` activity's entry),
the simulated annotator (ground-truth labels of the picked images, from the synthetic masks via
\`core/dataset/ingest.ts\`), training with the reference trainer (\`train --min-steps\`, fine-tuning the last
round's weights as \`trainer.fineTune\` does), inference on the validation split and mAP@0.5 with
\`core/metrics\`, and, for CORAL, inference on the pool for the next round's scores
(\`core/scores/prediction-folder.ts\`). It does not start Temporal: the workflow adds durability, not
different picks or weights, and a dev server plus workers for each of the 9 loops would cost minutes of
the 2 cores the benchmark has to share.

Every strategy gets the same labelled counts and the same optimiser steps per round (DESIGN: compare at
equal training steps). The validation split is one seeded shuffle of the dataset, the same for all runs;
the pool embeddings (\`embed --features scene\`, scene statistics, docs/selection.md) are computed once.

Why this setting: the synthetic orchard is easy (the demo reaches 0.87 mAP@0.5 with 20 labels), so the
benchmark must stay on the rising part of the learning curve, where labels still matter: small labelled
sets (10 per round, so the rare scene kinds, about 5% of the pool each, are often missing from a random
batch), a reduced input size (320x192: smaller apples, and about 2x faster training on CPU) and a small,
equal training budget per round. A first try with 60 steps per round gave RANDOM 0.82 at 10 labels (near
the ceiling, before any other strategy had run); the default was halved to 30 steps before the strategies
were compared, and not changed after.
`;

const TRIED = `## What was tried

The step count was fixed before the strategies were compared (below), and the embedding was chosen on the
coverage benchmark's pools (docs/selection.md), not on these loops.

- **60 optimiser steps per round** (the first try): RANDOM reached 0.82 mAP@0.5 at 10 labels, near the
  ceiling, before any other strategy had run; labels hardly matter there.
- **30 steps per round** (this page): the default was halved before the strategies were compared, and not
  changed after.
- **Embeddings: scene statistics vs the self-supervised encoder.** \`embed --features scene\` (colour
  histograms and multi-scale texture, whitened; the default then) against the earlier SimCLR-like encoder
  (\`--features ssl\`), on the coverage benchmark of docs/selection.md: CORESET's first 12 images cover 6.2 of
  8 scene kinds on the scene statistics, 5.4 on the SSL encoder and 5.0 for random (20 images: 7.4 / 6.2 /
  6.0). The benchmark uses the scene statistics; the SSL encoder was not run through these loops.
- **The first two seeds alone** (this page on main before the third seed ran): CORESET's first round was
  9.9 points above RANDOM's (target met) and CORESET needed 78% of RANDOM's labels, CORAL 94%. The first
  round's gain rested mostly on one RANDOM seed whose first 10 images trained to 0.122; with the third seed
  (RANDOM 0.603 there) the gain is gone. Two seeds were too few to tell.
- **Branch \`label-efficiency-2\`** (not merged; its embedding is not used here): scene statistics
  rank-normalised (so k-center is not spent on heavy-tailed outliers) and a different setting (pool 160,
  validation 60 from another generator seed, 320x180 images, 8 + 8 + 8 labels, 24 steps per round at
  batch 8), 3 seeds: CORAL needed 97% of RANDOM's labels, and CORESET's first round was 2.8 points *below*
  RANDOM's (0.147 vs 0.175 at 8 labels). Neither target was met there either.
- **The trainer's seed**: on that branch, as here, CORESET's first batch was the same in every seed, and its
  round-1 mAP still ranged 0.100-0.184: the trainer's seed alone moves round-1 mAP by about 0.08, more
  than the 3-point target. Three seeds cannot resolve a 3-point difference in the first round; that needs
  many more seeds (a GPU run) or longer training per round.

Not tried, for lack of time: a validation set weighted to the rare scene kinds, other CORAL scores
(\`uncertainty_entropy_mean\` is the loop's default, not measured against the others), larger budgets,
more seeds on a GPU, and a real dataset (MinneApple) instead of the synthetic orchard.
`;

export async function writeReport(resultsPath: string, docsDir = path.join(repositoryRoot(), 'docs'), name = 'label-efficiency', dataDir?: string): Promise<void> {
  const all = JSON.parse(fs.readFileSync(resultsPath, 'utf8')) as BenchResults;
  // Compare strategies on the same seeds only: a run cut short leaves its last seed incomplete.
  const complete = new Set(all.runs.map((x) => x.seed).filter((seed) => all.settings.strategies.every((st) => all.runs.some((x) => x.seed === seed && x.strategy === st))));
  const results = { ...all, runs: all.runs.filter((x) => complete.has(x.seed)) };
  const scenesPath = path.join(dataDir ?? results.dataDir ?? '', 'scenes.json');
  const scenes = fs.existsSync(scenesPath) ? (JSON.parse(fs.readFileSync(scenesPath, 'utf8')) as Record<string, { scene: string }>) : undefined;
  const svg = learningCurveSvg(curves(results.runs), `Label efficiency, synthetic orchard (${new Set(results.runs.map((x) => x.seed)).size} seed(s))`);
  fs.writeFileSync(path.join(docsDir, `${name}.svg`), svg);
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 1.5 } }).render().asPng();
  fs.writeFileSync(path.join(docsDir, `${name}.png`), png);
  fs.writeFileSync(path.join(docsDir, `${name}.md`), reportMarkdown(results, name, scenes));
  console.log(`wrote ${path.join(docsDir, name)}.md, .svg, .png`);
}

if (require.main === module) {
  // argv: [results.json] [dataset dir with scenes.json, when results.json does not name one]
  writeReport(process.argv[2] ?? path.join(repositoryRoot(), 'bench', 'label-efficiency', 'results.json'), undefined, undefined, process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
