import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { defaultResultsFiles, reportMarkdown, writeReport } from './report';
import { mergeResults, type BenchResults } from './results';

const settings = {
  pool: 300,
  val: 100,
  dataSeed: 2000,
  seeds: 2,
  strategies: ['RANDOM', 'CORESET', 'CORAL'],
  initial: 10,
  batch: 10,
  rounds: 2,
  steps: 30,
  inputSize: '320x192',
  batchSize: 16,
  score: 'uncertainty_entropy_mean',
  device: 'auto',
};
const run = (strategy: string, seed: number, maps: number[], first: string[]) => ({
  strategy,
  seed,
  rounds: maps.map((map50, i) => ({ labelled: 10 * (i + 1), map50 })),
  picks: [first, ['x']],
  seconds: 60,
});
const part = (seed: number, runs: BenchResults['runs']): BenchResults => ({
  settings: { ...settings, seeds: 1 },
  machine: { cpus: 2, cpuModel: 'AMD EPYC', device: 'auto', loadAverageAtStart: [1 + seed, 2, 3] },
  started: `2026-01-01T0${seed}:00:00.000Z`,
  wallSeconds: 600,
  embedSeconds: 3,
  runs,
});
const results = mergeResults([
  part(0, [
    run('RANDOM', 0, [0.3, 0.5], ['r0']),
    run('CORESET', 0, [0.4, 0.55], ['c', 'd']),
    run('CORAL', 0, [0.4, 0.6], ['c', 'd']),
  ]),
  part(1, [
    run('RANDOM', 1, [0.34, 0.54], ['r1']),
    run('CORESET', 1, [0.44, 0.55], ['d', 'c']),
    run('CORAL', 1, [0.44, 0.6], ['d', 'c']),
  ]),
]);

results.notes = ['checked: seed 0 reproduced'];

const page = (r: BenchResults) => reportMarkdown([{ results: r, plotName: 'label-efficiency-independent' }]);

test('report: table with seeds per strategy, labels to reach, targets, trainer-seed noise, parts, what was tried', () => {
  const doc = page(results);
  expect(doc).toContain('## Independent images');
  expect(doc).toContain('| labelled | RANDOM (2 seeds) | CORESET (2 seeds) | CORAL (2 seeds) |');
  expect(doc).toContain('| 10 | 0.320 (0.300-0.340) | 0.420 (0.400-0.440) | 0.420 (0.400-0.440) |');
  // RANDOM's final mean 0.52 at 20; CORAL crosses between 10 (0.42) and 20 (0.60): 10 + 0.10 / 0.18 * 10 = 15.6
  expect(doc).toContain('| CORAL | 15.6 | 78% |');
  // independent pool: no strategy below RANDOM by more than RANDOM's seed spread (4 points at both counts)
  expect(doc).toContain(
    "- CORESET no worse than RANDOM by more than RANDOM's seed spread: **met** (closest: 3.0 points above RANDOM at 20 labels, RANDOM's spread 4.0).",
  );
  // The same first batch in both seeds: the round-1 spread of CORESET and CORAL is the trainer's seed.
  expect(doc).toContain("(0.400-0.440, 4.0 points) is the trainer's seed alone");
  expect(doc).toContain('Run in 2 processes');
  expect(doc).toContain('- checked: seed 0 reproduced');
  expect(doc).toContain('Total wall time 20.0 min (the sum of the parts)');
  expect(doc).toContain(
    '| 2 | 2026-01-01T01:00:00.000Z | 1 | RANDOM, CORESET, CORAL | 10.0 min | 2.0 / 2.0 / 3.0 | 2 x AMD EPYC | 3.0 s |',
  );
  expect(doc).toContain("One seed's 3 loops took 3.0 min, 3.0 min");
  expect(doc).toContain('## What was tried');
});

test("sequence pool: the targets are half of RANDOM's labels and a first batch better by 3 points and the spread", () => {
  const seq = {
    ...results,
    settings: { ...results.settings, data: 'sequences' },
    dataDescription: 'video-like sequences (test)',
  };
  const doc = page(seq);
  expect(doc).toContain('## Video-like sequences');
  expect(doc).toContain('Pool: video-like sequences (test).');
  expect(doc).toContain("- The best strategy needs at most 50% of RANDOM's labels: **not met** (CORAL: 15.6 of 20).");
  // gain 10 points, spread max(4, 4) points
  expect(doc).toContain(
    "CORESET's first batch beats RANDOM's by at least 3 AP50 points and by more than the seed spread: **met** (10.0 points: 0.420 vs 0.320 at 10 labels; spread 4.0 points).",
  );
  const worse = mergeResults([
    part(0, [run('RANDOM', 0, [0.3, 0.5], ['r0']), run('CORESET', 0, [0.2, 0.3], ['c'])]),
    part(1, [run('RANDOM', 1, [0.34, 0.54], ['r1']), run('CORESET', 1, [0.22, 0.32], ['c'])]),
  ]);
  expect(page(worse)).toContain(
    "- CORESET no worse than RANDOM by more than RANDOM's seed spread: **not met** (closest: 21.0 points below RANDOM at 20 labels, RANDOM's spread 4.0).",
  );
});

test('per scene kind: first and last round, mean over seeds, for runs that measured it', () => {
  const withScenes = structuredClone(results);
  for (const x of withScenes.runs)
    x.rounds = x.rounds.map((round, i) => ({ ...round, byScene: { dusk: 0.1 * (i + 1) + 0.01 * x.seed, sunny: 0.9 } }));
  const doc = page(withScenes);
  expect(doc).toContain('### mAP@0.5 per scene kind of the validation images, at 10 and 20 labels (mean over seeds)');
  expect(doc).toContain('| dusk | 0.105 / 0.205 | 0.105 / 0.205 | 0.105 / 0.205 |');
  expect(page(results)).not.toContain('per scene kind');
});

test('writeReport takes the coverage table from the results file itself, without the dataset', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-le-scenes-'));
  const file = path.join(dir, 'results-sequences.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      ...results,
      settings: { ...results.settings, data: 'sequences' },
      dataDir: path.join(dir, 'gone'),
      poolScenes: { c: 'dusk', d: 'sunny', r0: 'sunny', r1: 'sunny', x: 'dusk' },
    }),
  );
  await writeReport([file], dir, 'le');
  const doc = fs.readFileSync(path.join(dir, 'le.md'), 'utf8');
  expect(doc).toContain('### Scene kinds among the labelled images (of 2 in the pool), mean over seeds');
  expect(doc).toContain('| CORESET | 2.0 | 2.0 |');
});

test('report of a single process: one run line, no trainer-seed section when first batches differ', () => {
  const single = part(0, [run('RANDOM', 0, [0.3, 0.5], ['r0']), run('CORESET', 0, [0.4, 0.55], ['c'])]);
  const doc = page(single);
  expect(doc).toContain('Run 2026-01-01T00:00:00.000Z, 10.0 min wall time on 2 CPU cores (AMD EPYC)');
  expect(doc).not.toContain("### The trainer's seed alone");
});

test('writeReport writes the page with one section and both plots per pool', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-le-report-'));
  // a sequence pool with rows of unequal length is a pool of its own: its file, section, title and plots
  const files = [
    ['independent', {}],
    ['sequences', {}],
    ['sequences-long-rows', { lengthSpread: 1.5 }],
  ].map(([label, extra]) => {
    const file = path.join(dir, `results-${label as string}.json`);
    const data = (label as string).split('-')[0];
    fs.writeFileSync(
      file,
      JSON.stringify({ ...results, settings: { ...results.settings, data, ...(extra as object) } }),
    );
    return file;
  });
  expect(defaultResultsFiles(dir)).toEqual([files[1], files[2], files[0]]);
  await writeReport(defaultResultsFiles(dir), dir, 'le');
  const doc = fs.readFileSync(path.join(dir, 'le.md'), 'utf8');
  expect(doc.indexOf('![mAP@0.5 vs labelled images](le-sequences.png)')).toBeLessThan(
    doc.indexOf('![mAP@0.5 vs labelled images](le-sequences-long-rows.png)'),
  );
  expect(doc.indexOf('![mAP@0.5 vs labelled images](le-sequences-long-rows.png)')).toBeLessThan(
    doc.indexOf('![mAP@0.5 vs labelled images](le-independent.png)'),
  );
  expect(doc).toContain('## Video-like sequences, rows of unequal length');
  expect(doc.match(/^## Video-like sequences$/gm)).toHaveLength(1);
  for (const data of ['independent', 'sequences', 'sequences-long-rows']) {
    const svg = fs.readFileSync(path.join(dir, `le-${data}.svg`), 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, `le-${data}.png`)));
    expect([png.width, png.height]).toEqual([1080, 660]);
  }
});
