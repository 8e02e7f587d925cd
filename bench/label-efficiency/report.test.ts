import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { reportMarkdown, writeReport } from './report';
import { mergeResults, type BenchResults } from './results';

const settings = { pool: 300, val: 100, dataSeed: 2000, seeds: 2, strategies: ['RANDOM', 'CORESET', 'CORAL'], initial: 10, batch: 10, rounds: 2, steps: 30, inputSize: '320x192', batchSize: 16, score: 'uncertainty_entropy_mean', device: 'auto' };
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
  part(0, [run('RANDOM', 0, [0.3, 0.5], ['r0']), run('CORESET', 0, [0.4, 0.55], ['c', 'd']), run('CORAL', 0, [0.4, 0.6], ['c', 'd'])]),
  part(1, [run('RANDOM', 1, [0.34, 0.54], ['r1']), run('CORESET', 1, [0.44, 0.55], ['d', 'c']), run('CORAL', 1, [0.44, 0.6], ['d', 'c'])]),
]);

results.notes = ['checked: seed 0 reproduced'];

test('report: table with seeds per strategy, labels to reach, targets, trainer-seed noise, parts, what was tried', () => {
  const doc = reportMarkdown(results, 'label-efficiency');
  expect(doc).toContain('| labelled | RANDOM (2 seeds) | CORESET (2 seeds) | CORAL (2 seeds) |');
  expect(doc).toContain('| 10 | 0.320 (0.300-0.340) | 0.420 (0.400-0.440) | 0.420 (0.400-0.440) |');
  // RANDOM's final mean 0.52 at 20; CORAL crosses between 10 (0.42) and 20 (0.60): 10 + 0.10 / 0.18 * 10 = 15.6
  expect(doc).toContain('| CORAL | 15.6 | 78% |');
  expect(doc).toContain('CORAL needs at most 50% of RANDOM\'s labels: **not met** (15.6 of 20)');
  expect(doc).toContain("CORESET's first round beats RANDOM's by at least 3 mAP points: **met** (10.0 points: 0.420 vs 0.320 at 10 labels)");
  // The same first batch in both seeds: the round-1 spread of CORESET and CORAL is the trainer's seed.
  expect(doc).toContain('(0.400-0.440, 4.0 points) is the trainer\'s seed alone');
  expect(doc).toContain('Run in 2 processes');
  expect(doc).toContain('- checked: seed 0 reproduced');
  expect(doc).toContain('Total wall time 20.0 min (the sum of the parts)');
  expect(doc).toContain('| 2 | 2026-01-01T01:00:00.000Z | 1 | 10.0 min | 2.0 / 2.0 / 3.0 | 2 x AMD EPYC | 3.0 s |');
  expect(doc).toContain("seed's 3 loops took 3.0 min, 3.0 min");
  expect(doc).toContain('## What was tried');
  expect(doc).toMatch(/60 optimiser steps per round/);
  expect(doc).toMatch(/CORAL needed 97% of RANDOM's labels/);
});

test('report of a single process: one run line, no trainer-seed section when first batches differ', () => {
  const single = part(0, [run('RANDOM', 0, [0.3, 0.5], ['r0']), run('CORESET', 0, [0.4, 0.55], ['c'])]);
  const doc = reportMarkdown(single, 'label-efficiency');
  expect(doc).toContain('Run 2026-01-01T00:00:00.000Z, 10.0 min wall time on 2 CPU cores (AMD EPYC)');
  expect(doc).not.toContain("## The trainer's seed alone");
});

test('writeReport writes the page and both plots', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-le-report-'));
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, JSON.stringify(results));
  await writeReport(file, dir, 'le');
  expect(fs.readFileSync(path.join(dir, 'le.md'), 'utf8')).toContain('![mAP@0.5 vs labelled images](le.png)');
  const svg = fs.readFileSync(path.join(dir, 'le.svg'), 'utf8');
  expect(svg.match(/<polyline /g)).toHaveLength(3);
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'le.png')));
  expect([png.width, png.height]).toEqual([1080, 660]);
});
