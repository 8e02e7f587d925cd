// The label-efficiency benchmark at its --quick sizes, end to end on a sequence pool: every strategy's loop
// runs, the results file and the page with its plots are written. It checks the machinery, never the outcome,
// so the trainer is the stand-in (tests/stand-in-trainer: the trainer's contract, no learning, no pauses).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { repositoryRoot } from '../../core/io/repository-root';
import { standInTrainerEnv } from '../../tests/helpers/stand-in-trainer';
import type { BenchResults } from './results';
import { strategyMethods } from './strategy';

// the benchmark's default strategies, and one naming its round-1 method (INITIAL+METHOD)
const STRATEGIES = ['RANDOM', 'CORESET', 'CORAL', 'UNCERTAINTY', 'UNCERTAIN_CORESET', 'TYPICLUST+UNCERTAINTY'];

test('bench/label-efficiency --quick: every strategy, results, page and plots in the work dir', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-le-'));
  const root = repositoryRoot();
  const proc = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(root, 'bench', 'label-efficiency', 'run.ts'),
      '--quick',
      '--strategies',
      STRATEGIES.join(','),
      '--dir',
      dir,
    ],
    { encoding: 'utf8', env: { ...process.env, ...standInTrainerEnv(0) } },
  );
  expect(proc.stderr).toBe('');
  expect(proc.status).toBe(0);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchResults;
  expect(results.settings).toMatchObject({
    data: 'sequences',
    pool: 40,
    val: 12,
    embedding: 'backbone',
    backbone: 'efficientnet-lite0',
  });
  expect(results.runs.map((r) => [r.strategy, r.rounds.map((x) => x.labelled)])).toEqual(
    STRATEGIES.map((s) => [s, [4, 8]]),
  );
  // every strategy whose first batch is CORESET's starts from the same batch, trained once
  const fromCoreset = results.runs.filter((r) => strategyMethods(r.strategy).initial === 'CORESET');
  expect(fromCoreset.length).toBeGreaterThan(1);
  expect(new Set(fromCoreset.map((r) => JSON.stringify([r.picks[0], r.rounds[0].map50]))).size).toBe(1);
  expect(Object.keys(results.runs[0].rounds[0].byScene ?? {}).length).toBeGreaterThan(0);
  const doc = fs.readFileSync(path.join(dir, 'label-efficiency.md'), 'utf8');
  expect(doc).toContain('### mAP@0.5 per scene kind of the validation images');
  expect(doc).toContain('## Video-like sequences');
  expect(doc).toMatch(/\| 8 \| [\d.]+ \([\d.]+-[\d.]+\) \| [\d.]+ \(/);
  expect(doc).toContain("### Labels needed to reach RANDOM's mAP");
  expect(doc).toContain('### Scene kinds among the labelled images');
  const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'label-efficiency-sequences.png')));
  expect(png.width).toBeGreaterThan(500);
  expect(fs.readFileSync(path.join(dir, 'label-efficiency-sequences.svg'), 'utf8').match(/<polyline /g)).toHaveLength(
    STRATEGIES.length,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}, 600_000);
