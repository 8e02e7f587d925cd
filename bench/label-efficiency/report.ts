// docs/label-efficiency.md and its learning-curve plots (SVG, and PNG rendered from the SVG): one section
// and one plot per pool, from the results files run.ts writes (results-<pool>.json).
//   npx tsx bench/label-efficiency/report.ts [results-a.json,results-b.json]   (default: every results-*.json here)
import { Resvg } from '@resvg/resvg-js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { curves, labelsToReach, type CurvePoint } from './curve';
import { learningCurveSvg } from './plot';
import { poolLabel, type BenchMachine, type BenchResults } from './results';
import { strategyMethods } from './strategy';

/** Targets (issue 11): on the sequence pool the best strategy needs at most half of RANDOM's labels and
 *  CORESET's first batch beats RANDOM's by 3 points and by more than the seed spread; on the other pools
 *  no strategy falls below RANDOM by more than RANDOM's seed spread. */
const BEST_LABEL_FRACTION = 0.5;
const CORESET_FIRST_ROUND_GAIN = 0.03;
const POOL_TITLES: Record<string, string> = {
  sequences: 'Video-like sequences',
  independent: 'Independent images',
  trees: 'Real tree photographs',
  'sequences-long-rows': 'Video-like sequences, rows of unequal length',
};
const poolKind = (r: BenchResults) => r.settings.data ?? 'independent';
const poolTitle = (r: BenchResults) => POOL_TITLES[poolLabel(r.settings)] ?? poolLabel(r.settings);

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
      `Embedding the pool (\`embed --features ${r.settings.embedding ?? 'scene'}\`): ${r.embedSeconds.toFixed(1)} s for ${r.settings.pool} images.`,
    ];
  }
  const lines = [
    `Run in ${r.parts.length} processes, one after another, each running a share of the seeds (\`run.ts --first-seed S --seeds N\`) or of the strategies (\`--strategies\`),`,
    `then merged into one results file with \`run.ts --report-only a.json,b.json\` (same settings checked, every strategy and seed once).`,
    `Total wall time ${minutes(r.wallSeconds)} (the sum of the parts) on ${where}; the cores were shared with other jobs, so wall times are upper bounds.`,
    '',
    '| part | started | seeds | strategies | wall time | load average at start (1 / 5 / 15 min) | CPU | `embed` of the pool |',
    '|---|---|---|---|---|---|---|---|',
  ];
  r.parts.forEach((p, i) =>
    lines.push(
      `| ${i + 1} | ${p.started} | ${p.seeds.join(', ')} | ${(p.strategies ?? r.settings.strategies).join(', ')} | ${minutes(p.wallSeconds)} | ${load(p.machine)} | ${p.machine.cpus} x ${p.machine.cpuModel} | ${p.embedSeconds.toFixed(1)} s |`,
    ),
  );
  return lines;
}

/** Time per seed (its loops' seconds summed), from the runs themselves. */
function runtimeLines(r: BenchResults): string[] {
  const perSeed = [...new Set(r.runs.map((x) => x.seed))].map((seed) =>
    r.runs.filter((x) => x.seed === seed).reduce((sum, x) => sum + x.seconds, 0),
  );
  const loops = r.settings.strategies.length * perSeed.length;
  return [
    `Runtime: ${loops} loops x ${r.settings.rounds} rounds x (train + validation inference) + the scored strategies' pool inference`,
    `${r.settings.backbone ? '(rounds with the same seed and picks so far are trained once). ' : ''}One seed's ${r.settings.strategies.length} loops took ${perSeed.map(minutes).join(', ')}.`,
    '',
  ];
}

/**
 * Round 1 of every strategy that starts with CORESET: the same k-center batch in every seed, so the spread of their mAP there is
 * the trainer's seed alone (initialisation and data order).
 */
function trainerSeedNoise(r: BenchResults): string[] {
  const first = r.runs.filter((x) => strategyMethods(x.strategy).initial === 'CORESET' && x.rounds.length);
  const batches = new Set(first.map((x) => [...x.picks[0]].sort().join(',')));
  if (new Set(first.map((x) => x.seed)).size < 2 || batches.size !== 1) return [];
  const v = first.map((x) => x.rounds[0].map50);
  return [
    "### The trainer's seed alone",
    '',
    `CORESET's first batch is the same ${first[0].picks[0].length} images in every seed, so the spread of round 1's mAP for every strategy that starts with it`,
    `(${fmt(Math.min(...v))}-${fmt(Math.max(...v))}, ${(100 * (Math.max(...v) - Math.min(...v))).toFixed(1)} points) is the trainer's seed alone. A difference of a few points between`,
    `strategies, ${new Set(first.map((x) => x.seed)).size} seeds each, is within that noise.`,
    '',
  ];
}

/** Mean number of scene kinds among the first batch and among all labels, per strategy (scenes: name -> kind). */
function sceneCoverage(r: BenchResults, scenes: Record<string, { scene: string }>): string[] {
  const kinds = new Set(Object.values(scenes).map((s) => s.scene)).size;
  const lines = [
    `### Scene kinds among the labelled images (of ${kinds} in the pool), mean over seeds`,
    '',
    '| strategy | first batch | all labels at the end |',
    '|---|---|---|',
  ];
  for (const strategy of r.settings.strategies) {
    const runs = r.runs.filter((x) => x.strategy === strategy);
    if (!runs.length) continue;
    const covered = (names: string[]) => new Set(names.map((n) => scenes[n]?.scene)).size;
    const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1);
    lines.push(
      `| ${strategy} | ${mean(runs.map((x) => covered(x.picks[0])))} | ${mean(runs.map((x) => covered(x.picks.flat())))} |`,
    );
  }
  return [...lines, ''];
}

/** RANDOM's spread over seeds (max - min) at a labelled count. */
const spreadAt = (points: readonly CurvePoint[] | undefined, labelled: number) => {
  const p = points?.find((x) => x.labelled === labelled);
  return p ? p.max - p.min : 0;
};

function targetLines(r: BenchResults, c: Map<string, CurvePoint[]>): string[] {
  const random = c.get('RANDOM')!;
  const target = random[random.length - 1].mean;
  const budget = random[random.length - 1].labelled;
  const lines = ['### Targets', ''];
  if (poolKind(r) === 'sequences') {
    const best = [...c.entries()]
      .filter(([strategy]) => strategy !== 'RANDOM')
      .map(([strategy, pts]) => [strategy, labelsToReach(pts, target)] as const)
      .sort((a, b) => (a[1] ?? Infinity) - (b[1] ?? Infinity))[0];
    if (best) {
      const met = best[1] !== null && best[1] <= BEST_LABEL_FRACTION * budget;
      lines.push(
        `- The best strategy needs at most ${BEST_LABEL_FRACTION * 100}% of RANDOM's labels: **${met ? 'met' : 'not met'}** (${best[0]}: ${best[1] === null ? 'not reached' : `${best[1].toFixed(1)} of ${budget}`}).`,
      );
    }
    const coreset = c.get('CORESET');
    if (coreset) {
      const gain = coreset[0].mean - random[0].mean;
      const spread = Math.max(spreadAt(random, random[0].labelled), spreadAt(coreset, coreset[0].labelled));
      const met = gain >= CORESET_FIRST_ROUND_GAIN && gain > spread;
      lines.push(
        `- CORESET's first batch beats RANDOM's by at least ${CORESET_FIRST_ROUND_GAIN * 100} AP50 points and by more than the seed spread: **${met ? 'met' : 'not met'}** ` +
          `(${(100 * gain).toFixed(1)} points: ${fmt(coreset[0].mean)} vs ${fmt(random[0].mean)} at ${coreset[0].labelled} labels; spread ${(100 * spread).toFixed(1)} points).`,
      );
    }
    // Other first batches, measured the same way (not targets).
    const seen = new Set<string>();
    for (const [strategy, pts] of c) {
      const { initial } = strategyMethods(strategy);
      if (initial === 'CORESET' || initial === 'RANDOM' || seen.has(initial)) continue;
      seen.add(initial);
      const gain = pts[0].mean - random[0].mean;
      const spread = Math.max(spreadAt(random, random[0].labelled), spreadAt(pts, pts[0].labelled));
      lines.push(
        `- For comparison, ${initial}'s first batch (${strategy}): ${(100 * gain).toFixed(1)} points against RANDOM's (${fmt(pts[0].mean)} vs ${fmt(random[0].mean)}; spread ${(100 * spread).toFixed(1)} points).`,
      );
    }
  } else {
    for (const [strategy, pts] of c) {
      if (strategy === 'RANDOM') continue;
      // the largest shortfall below RANDOM's mean beyond RANDOM's seed spread, over the labelled counts
      const worst = pts
        .map((p) => ({
          p,
          gap: (random.find((q) => q.labelled === p.labelled)?.mean ?? p.mean) - p.mean,
          spread: spreadAt(random, p.labelled),
        }))
        .sort((a, b) => b.gap - b.spread - (a.gap - a.spread))[0];
      const met = worst.gap <= worst.spread;
      lines.push(
        `- ${strategy} no worse than RANDOM by more than RANDOM's seed spread: **${met ? 'met' : 'not met'}** (closest: ${(100 * Math.abs(worst.gap)).toFixed(1)} points ${worst.gap > 0 ? 'below' : 'above'} RANDOM at ${worst.p.labelled} labels, RANDOM's spread ${(100 * worst.spread).toFixed(1)}).`,
      );
    }
  }
  return [...lines, ''];
}

/** One pool's section: plot, mAP table, labels to reach RANDOM's final mAP, targets, coverage, settings. */
export function poolSection(r: BenchResults, plotName: string, scenes?: Record<string, { scene: string }>): string[] {
  const s = r.settings;
  const c = curves(r.runs);
  const random = c.get('RANDOM');
  const counts = [...new Set([...c.values()].flat().map((p) => p.labelled))].sort((a, b) => a - b);
  const lines: string[] = [];
  lines.push(`## ${poolTitle(r)}`);
  lines.push('');
  lines.push(
    `Pool: ${r.dataDescription ?? `synthetic orchard (\`synth --seed ${s.dataSeed}\`, 640x360), ${s.pool} pool + ${s.val} validation images, fixed split`}.`,
  );
  lines.push('');
  lines.push(...runLines(r));
  if (r.notes?.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  lines.push('');
  lines.push(`![mAP@0.5 vs labelled images](${plotName}.png)`);
  lines.push('');
  lines.push(`(SVG: [${plotName}.svg](${plotName}.svg))`);
  lines.push('');
  const seedsRun = new Set(r.runs.map((x) => x.seed)).size;
  lines.push(
    `### mAP@0.5 on the validation split: mean (min-max) over ${seedsRun} seed(s)${seedsRun < s.seeds ? ` (of ${s.seeds} planned: the run was cut short)` : ''}`,
  );
  lines.push('');
  // Seeds per strategy, from the runs themselves (a file cut short may hold unequal counts).
  lines.push(
    `| labelled | ${[...c.entries()].map(([strategy, pts]) => `${strategy} (${Math.max(...pts.map((p) => p.n))} seeds)`).join(' | ')} |`,
  );
  lines.push(`|---|${[...c.keys()].map(() => '---').join('|')}|`);
  for (const n of counts)
    lines.push(`| ${n} | ${[...c.values()].map((pts) => cell(pts.find((p) => p.labelled === n))).join(' | ')} |`);
  lines.push('');
  if (random?.length) {
    const target = random[random.length - 1].mean;
    const budget = random[random.length - 1].labelled;
    lines.push(`### Labels needed to reach RANDOM's mAP at the final budget (${fmt(target)} at ${budget} labels)`);
    lines.push('');
    lines.push(
      'Linear interpolation of the mean curve between the two labelled counts around the crossing (`curve.ts`).',
    );
    lines.push('');
    lines.push("| strategy | labels | share of RANDOM's |");
    lines.push('|---|---|---|');
    for (const [strategy, pts] of c) {
      const n = labelsToReach(pts, target);
      lines.push(
        `| ${strategy} | ${n === null ? `not reached within ${pts[pts.length - 1].labelled}` : n.toFixed(1)} | ${n === null ? '-' : `${((100 * n) / budget).toFixed(0)}%`} |`,
      );
    }
    lines.push('');
    lines.push(...targetLines(r, c));
  }
  lines.push(...perSceneLines(r));
  lines.push(...trainerSeedNoise(r));
  if (scenes) lines.push(...sceneCoverage(r, scenes));
  lines.push('### Settings of this run');
  lines.push('');
  lines.push('| setting | value |');
  lines.push('|---|---|');
  lines.push(`| rounds | ${s.rounds}: ${s.initial} initial labels, then ${s.batch} per round |`);
  const named = s.strategies.some((x) => x.includes('+'));
  lines.push(
    `| strategies | ${s.strategies.join(', ')}; ${named ? 'INITIAL+METHOD starts with an INITIAL batch, ' : ''}RANDOM starts with a random batch, the others with a CORESET batch |`,
  );
  lines.push(`| score of the scored strategies | \`${s.score}\` (CORAL strength 1) |`);
  lines.push(`| embeddings | \`embed --features ${s.embedding ?? 'scene'}\` |`);
  if (s.dedupDistance !== undefined)
    lines.push(
      `| \`:dedup\` strategies | every round selects among the pool images LightlyStudio's deduplication keeps at distance ${s.dedupDistance} (\`selection.deduplicate\`, docs/selection.md) |`,
    );
  lines.push(
    `| training per round | ${s.steps} optimiser steps (\`--min-steps\`), batch ${s.batchSize}, input ${s.inputSize}, backbone \`${s.backbone ?? 'scratch'}\`${s.backbone ? '' : ' (letterboxed images, before backbones)'}, round n fine-tunes round n-1 |`,
  );
  lines.push(
    `| seeds | ${s.seeds} (${[...new Set(r.runs.map((x) => x.seed))].sort((a, b) => a - b).join(', ')}): seed s trains with \`--seed 100 s + round\` and RANDOM picks with seed 1000 s + round (CORESET's k-center picks do not depend on a seed, so its first batch is the same in every seed${s.strategies.some((x) => Object.values(strategyMethods(x)).includes('TYPICLUST')) ? "; TYPICLUST's k-means++ takes RANDOM's seed" : ''}) |`,
  );
  lines.push('');
  lines.push(...runtimeLines(r));
  return lines;
}

export interface PoolReport {
  results: BenchResults;
  plotName: string;
  scenes?: Record<string, { scene: string }>;
}

/** mAP@0.5 per scene kind of the validation images, first and last round, mean over seeds, per strategy. */
function perSceneLines(r: BenchResults): string[] {
  const strategies = r.settings.strategies.filter((st) =>
    r.runs.some((x) => x.strategy === st && x.rounds.every((round) => round.byScene)),
  );
  if (!strategies.length) return [];
  const scenes = [
    ...new Set(r.runs.flatMap((x) => x.rounds.flatMap((round) => Object.keys(round.byScene ?? {})))),
  ].sort();
  const at = (strategy: string, scene: string, which: 'first' | 'last') => {
    const v = r.runs
      .filter((x) => x.strategy === strategy)
      .map((x) => x.rounds[which === 'first' ? 0 : x.rounds.length - 1].byScene?.[scene])
      .filter((m): m is number => m !== undefined);
    return v.length ? fmt(v.reduce((a, b) => a + b, 0) / v.length) : '-';
  };
  const first = r.runs[0].rounds[0].labelled;
  const last = r.runs[0].rounds[r.runs[0].rounds.length - 1].labelled;
  const lines = [
    `### mAP@0.5 per scene kind of the validation images, at ${first} and ${last} labels (mean over seeds)`,
    '',
  ];
  lines.push(`| scene kind | ${strategies.map((st) => `${st} ${first} / ${last}`).join(' | ')} |`);
  lines.push(`|---|${strategies.map(() => '---').join('|')}|`);
  for (const scene of scenes)
    lines.push(
      `| ${scene} | ${strategies.map((st) => `${at(st, scene, 'first')} / ${at(st, scene, 'last')}`).join(' | ')} |`,
    );
  return [...lines, ''];
}

export function reportMarkdown(pools: readonly PoolReport[]): string {
  const lines: string[] = [];
  lines.push(`# Label efficiency: ${[...new Set(pools.flatMap((p) => p.results.settings.strategies))].join(', ')}`);
  lines.push('');
  lines.push(
    'Generated by `bench/label-efficiency/report.ts` from `bench/label-efficiency/results-*.json`; do not edit by hand',
  );
  lines.push(
    '(rerun the benchmark, see README). One section per pool; method, commands and what was tried at the end.',
  );
  lines.push('');
  for (const p of pools) lines.push(...poolSection(p.results, p.plotName, p.scenes));
  lines.push(METHOD);
  lines.push(TRIED);
  return lines.join('\n') + '\n';
}

const METHOD = `## Commands

\`\`\`
npx tsx bench/label-efficiency/run.ts --data sequences   # every seed in one process: results-sequences.json and this page
npx tsx bench/label-efficiency/run.ts --data sequences --sequences 61 --strategies RANDOM,CORESET,CORAL,UNCERTAINTY --length-spread 1.5   # rows of unequal length: results-sequences-long-rows.json
npx tsx bench/label-efficiency/run.ts --data independent
npx tsx bench/label-efficiency/run.ts --data trees          # the real photographs, 150-px tiles (--tile)
npx tsx bench/label-efficiency/run.ts --data sequences --first-seed 2 --seeds 1 --out /tmp/seed2.json --no-report   # one seed alone
npx tsx bench/label-efficiency/run.ts --report-only bench/label-efficiency/results-sequences.json,/tmp/seed2.json   # merge, redraw
npx tsx bench/label-efficiency/run.ts --quick            # smoke run, into a temporary dir
\`\`\`

## Method

\`bench/label-efficiency/run.ts\` drives, for every strategy and seed, the loop's steps in the workflow's order
with the project's own code: selection (\`core/selection/select.ts\`, the \`selectBatch\` activity's entry),
the simulated annotator (ground-truth labels of the picked images, from the synthetic masks via
\`core/dataset/ingest.ts\`), training with the reference trainer (\`train --min-steps\`, fine-tuning the last
round's weights as \`trainer.fineTune\` does), inference on the validation split and mAP@0.5 with
\`core/metrics\`, and, for the scored strategies, inference on the pool for the next round's scores
(\`core/scores/prediction-folder.ts\`). It does not start Temporal: the workflow adds durability, not
different picks or weights, and a dev server plus workers per loop would cost minutes of the 2 cores.

Every strategy gets the same labelled counts and the same optimiser steps per round (DESIGN: compare at
equal training steps); rounds whose seed and picks so far are the same (round 1 of every strategy but
RANDOM) are trained once, which gives the same weights as training them again (CPU training is
deterministic). The pool embeddings are computed once per pool. The pools (\`bench/label-efficiency/pools.ts\`):
- **sequences**: rows filmed by a moving camera (\`synth --sequences\`, docs/trainer.md): 30 frames a row,
  each sharing 90% of its width with the next, one condition a row with long-tailed frequencies (backlight,
  dusk, green apples at 4-5% of the rows). Validation: other rows (another generator seed), 5 spread-out
  frames each. Redundancy and a tail are what diversity and uncertainty should exploit.
- **sequences, rows of unequal length**: the same generator with lognormal row lengths
  (\`synth --length-spread 1.5\`, mean 30 frames): 61 rows (the fewest whose pool reaches 1,500 frames) give
  2,097 frames, 65% of them in the five longest rows (600, 398, 158, 123 and 91 frames). A random batch then
  comes mostly from a few rows, while the validation split (the same 40 rows of 5 frames) weighs every row
  alike: where frame counts are skewed, diversity should pay.
- **independent**: independent images of the same generator, a seeded split.
- **trees**: the real aerial photographs of docs/trainer.md: the training scene cut into tiles is the pool,
  the three other scenes (other sites) are the validation split.
`;

const TRIED = `## What was tried

- **The sequence pool's first setting**, 30 initial labels and 30 per round (seed 0, RANDOM and CORESET's
  first round only, then stopped): RANDOM 0.871 at 30 labels, 0.859 / 0.885 / 0.903 / 0.918 at 60-150;
  CORESET's first batch 0.873. The pretrained detector was near its ceiling from the first batch, so the
  setting was changed to 10 + 35 per round (this page) before any other strategy had run, and not after.
- **Training budget**: 40 optimiser steps per round at batch 16 on 320x192 crops of 320x180 frames, chosen
  for cost (about 20 minutes per seed for the five strategies on the idle 2-core machine), not tuned.
- **Before the sequence pool** (the independent section, when it shows the scratch network and scene
  statistics): 300 independent 640x360 images, 10 + 10 + 10 + 10 labels, 30 steps per round. CORAL needed
  99% of RANDOM's labels and CORESET's first round was 0.4 points below RANDOM's: nothing in such a pool
  is redundant and nothing is rare, so selection has little to exploit.
- On that pool, 60 steps per round (the first try) gave RANDOM 0.82 at 10 labels, near the ceiling; with
  two seeds CORESET's first round looked 9.9 points better, a gain that a third seed erased; and on a
  branch with rank-normalised scene statistics (pool 160) CORESET's first round was 2.8 points below
  RANDOM's. The trainer's seed alone moved round-1 mAP by about 8 points there.
- **More redundant sequence pools, first batch only** (2026-12-02, RANDOM and CORESET, \`--rounds 1\`, 1
  thread): 20 rows of 75 frames at 95% overlap with a heavier tail (\`--sequences 20 --frames 75 --overlap
  0.95 --tail 1.5\`): RANDOM 0.875 / 0.892 / 0.855 (seeds 0-2, mean 0.874), CORESET 0.874 / 0.879 / 0.869
  (mean 0.874); 15 rows of 100 frames (\`--sequences 15 --frames 100 --overlap 0.95 --tail 2\`, seed 0):
  RANDOM 0.901, CORESET 0.889. More redundancy did not open a gap: the validation frames follow the pool's
  own long-tailed conditions (120-140 of 200 sunny), which a random batch already matches, and the
  pretrained detector is at 0.85-0.90 from 10 labels, so the images k-center adds from the tail move the
  pooled AP50 little.
- **TYPICLUST as the first batch** (Hacohen et al. 2022: typical images of uncovered k-means clusters,
  docs/selection.md), on this page's sequence pool, 10 labels, seeds 0-2, 1 thread: 0.851 / 0.863 / 0.851
  (mean 0.855), against RANDOM's 0.848 and CORESET's 0.829: +0.7 points over RANDOM, within its spread, well
  short of the +3 target. \`TYPICLUST+UNCERTAINTY\` over five rounds (seed 0 only, the run was cut after
  three rounds): 0.851 / 0.816 / 0.897 at 10 / 45 / 80 labels, below UNCERTAINTY's mean at 45. Command:
  \`run.ts --data sequences --strategies TYPICLUST+UNCERTAINTY --no-report --out F\` (\`--rounds 1\` for
  the first batch alone).
- **LightlyStudio's deduplication before every selection** (\`selection.deduplicate\`, strategies
  \`RANDOM:dedup\` and \`UNCERTAINTY:dedup\` in the tables above, 2026-12-03, seeds 0-2; distance 0.7, fixed
  before the run, keeps 700 of the 1500 frames). UNCERTAINTY alone spends its 150 labels on near-copies: 79-84
  of them are the next frame of another picked frame, and they cover 28-32 of the 50 rows (RANDOM: 13-15 and
  48-49). Deduplicated: 29-32 and 30-34, since frames two apart can lie beyond 0.7. It ends highest (0.923,
  0.922-0.923, against UNCERTAINTY's 0.918, 0.914-0.923) but reaches RANDOM's final mAP no sooner (70% of
  RANDOM's labels against 62%; both curves inside each other's spread from 80 labels on). RANDOM:dedup: 95%.
  The loop keeps it off by default.
- **Other scores for UNCERTAINTY** (2026-12-08, this page's sequence pool, seeds 0-2, two processes at 1
  thread each; \`run.ts --data sequences --strategies UNCERTAINTY --score S --no-report --out F\`): AP50 at
  10 / 45 / 80 / 115 / 150 labels, mean (min-max over seeds), against the default \`uncertainty_entropy_mean\`
  in the table above (0.918 at 150, 62% of RANDOM's labels):
  \`objectness_least_confidence\` (1 - the mean box score) 0.827 / 0.863 / 0.887 / 0.889 / 0.901 (0.894-0.906);
  \`uncertainty_entropy_sum\` (favours images with many uncertain boxes) 0.827 / 0.854 / 0.880 / 0.884 / 0.900
  (0.894-0.908). Neither reaches RANDOM's final 0.911 within 150 labels, so the default score stays. Their
  first round (CORESET, the same picks) gave 0.797 / 0.837 / 0.848 against 0.798 / 0.836 / 0.852 in the
  table: the runs are not bit for bit those of the table's machine, by up to 0.4 points.
`;

/** The results files of the page: every results-<pool>.json in bench/label-efficiency, sequences first. */
export function defaultResultsFiles(dir = path.join(repositoryRoot(), 'bench', 'label-efficiency')): string[] {
  const order = (f: string) =>
    [
      'results-sequences.json',
      'results-sequences-long-rows.json',
      'results-independent.json',
      'results-trees.json',
    ].indexOf(f) + 1 || 9;
  return fs
    .readdirSync(dir)
    .filter((f) => /^results-.+\.json$/.test(f))
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((f) => path.join(dir, f));
}

export async function writeReport(
  resultsPaths: readonly string[],
  docsDir = path.join(repositoryRoot(), 'docs'),
  name = 'label-efficiency',
): Promise<void> {
  const pools: PoolReport[] = [];
  for (const file of resultsPaths) {
    const all = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
    // Compare strategies on the same seeds only: a run cut short leaves its last seed incomplete.
    const complete = new Set(
      all.runs
        .map((x) => x.seed)
        .filter((seed) =>
          all.settings.strategies.every((st) => all.runs.some((x) => x.seed === seed && x.strategy === st)),
        ),
    );
    const results = { ...all, runs: all.runs.filter((x) => complete.has(x.seed)) };
    // the results' own record of the pool's scene kinds, else the dataset's scenes.json when it is still there
    const scenesPath = path.join(results.dataDir ?? '', 'scenes.json');
    const scenes = results.poolScenes
      ? Object.fromEntries(Object.entries(results.poolScenes).map(([name, scene]) => [name, { scene }]))
      : results.dataDir && fs.existsSync(scenesPath)
        ? (JSON.parse(fs.readFileSync(scenesPath, 'utf8')) as Record<string, { scene: string }>)
        : undefined;
    const plotName = `${name}-${poolLabel(results.settings)}`;
    const svg = learningCurveSvg(
      curves(results.runs),
      `${poolTitle(results)} (${new Set(results.runs.map((x) => x.seed)).size} seed(s))`,
    );
    fs.writeFileSync(path.join(docsDir, `${plotName}.svg`), svg);
    const png = new Resvg(svg, {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
      fitTo: { mode: 'zoom', value: 1.5 },
    })
      .render()
      .asPng();
    fs.writeFileSync(path.join(docsDir, `${plotName}.png`), png);
    pools.push({ results, plotName, scenes });
  }
  fs.writeFileSync(path.join(docsDir, `${name}.md`), reportMarkdown(pools));
  console.log(`wrote ${path.join(docsDir, name)}.md and ${pools.length} plot(s) (.svg, .png)`);
}

if (require.main === module) {
  writeReport(process.argv[2] ? process.argv[2].split(',') : defaultResultsFiles()).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
