// Runs the selection benchmark at its --quick sizes end to end: pomona, NumPy and lightly-mundig on the
// same rows, picks compared, report written.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { sizeRows, writeSelectionSpeedReport, type SelectionSpeedResults } from './report';

test('bench/selection --quick: both kinds of rows, identical picks to the NumPy reference, a report with every method', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-selection-'));
  const root = repositoryRoot();
  const proc = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(root, 'bench', 'selection', 'run.ts'),
      '--quick',
      '--repeat',
      '1',
      '--out',
      path.join(dir, 'r.json'),
      '--doc',
      path.join(dir, 'speed.md'),
    ],
    { encoding: 'utf8' },
  );
  expect(proc.stderr).not.toContain('FAILED');
  expect(proc.status).toBe(0);
  const doc = fs.readFileSync(path.join(dir, 'speed.md'), 'utf8');
  for (const kind of ['gaussian', 'clustered']) {
    expect(doc).toContain(`## ${kind} rows, N = 20000, D = 32, k = 200`);
    expect(doc).toMatch(
      new RegExp(`\\| ${kind} \\| 20000 \\| 256 \\| 50 \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+x \\| .+ \\| identical \\|`),
    );
  }
  expect(doc).toMatch(/\| numpy-direct \| [\d.]+ \| [\d.]+x \| identical \|/);
  expect(doc).toMatch(/\| lightly-mundig \| [\d.]+ \|/);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8')) as SelectionSpeedResults;
  expect(results.sizes.map((s) => [s.kind, s.dim])).toEqual([
    ['gaussian', 32],
    ['clustered', 32],
    ['gaussian', 256],
    ['clustered', 256],
  ]);
  for (const s of results.sizes) {
    expect(Object.keys(s.methods)).toEqual(['pomona', 'pomona-exact', 'numpy-direct', 'numpy-blas', 'lightly-mundig']);
    // Every method that should agree does: pomona in both engines and the two NumPy passes.
    const rows = sizeRows(s);
    for (const name of ['pomona', 'pomona-exact', 'numpy-direct'])
      expect(rows.find((r) => r.name === name)?.picks).toBe('identical');
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 240_000);

test('report: ratios against pomona, where picks part from the reference, targets', () => {
  const results: SelectionSpeedResults = {
    date: '2026-01-01T00:00:00Z',
    machine: { cpu: 'test', cores: 2, loadAverageAtStart: [0, 0, 0], node: 'v20' },
    repeat: 2,
    sizes: [
      {
        n: 5,
        dim: 2,
        k: 3,
        methods: {
          pomona: { seconds: [0.2, 0.1], picks: [0, 3, 1] },
          'numpy-direct': { seconds: [0.25], picks: [0, 3, 1] },
          'lightly-mundig': { seconds: [0.5], picks: [0, 3, 2] },
          'numpy-blas': { error: 'not run' },
        },
      },
    ],
  };
  expect(sizeRows(results.sizes[0])).toEqual([
    { name: 'pomona', seconds: 0.1, ratio: 1, picks: 'identical' },
    { name: 'numpy-direct', seconds: 0.25, ratio: 2.5, picks: 'identical' },
    { name: 'lightly-mundig', seconds: 0.5, ratio: 5, picks: 'differ from pick 3 on (1 of 3 positions)' },
    { name: 'numpy-blas', seconds: null, ratio: null, picks: '', error: 'not run' },
  ]);
  const summary = writeSelectionSpeedReport(results, null);
  expect(summary).toContain('at least 3x faster than the NumPy reference: not met (2.5x)');
  expect(summary).toContain('at least 5x faster than NumPy BLAS: not measured');
  expect(summary).toContain('faster than lightly-mundig: met (5.0x)');

  // A clustered size where the BLAS target is missed; picks stored truncated keep their agreement.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-bench-selection-report-'));
  const doc = path.join(dir, 'speed.md');
  results.sizes.push({
    kind: 'clustered',
    n: 5,
    dim: 2,
    k: 3,
    date: '2026-01-02T03:04:05Z',
    loadAverageAtStart: [1, 2, 3],
    methods: {
      pomona: { seconds: [0.1], picks: [0], picksAgreement: 'identical' },
      'numpy-direct': { seconds: [0.4], picks: [0] },
      'numpy-blas': { seconds: [0.3], picks: [0], picksAgreement: 'differ from pick 2 on (1 of 3 positions)' },
    },
  });
  writeSelectionSpeedReport(results, doc);
  const text = fs.readFileSync(doc, 'utf8');
  expect(text).toContain(
    '| 2026-01-02 03:04 (1 / 2 / 3) | clustered | 5 | 2 | 3 | 0.100 | 0.300 | 3.0x | **not met** | 4.0x | - | identical |',
  );
  expect(text).toContain(
    '**The 5x target over NumPy BLAS is not met** for: clustered rows at N = 5, D = 2, k = 3 (3.0x).',
  );
  expect(text).toContain('| numpy-blas | 0.300 | 3.0x | differ from pick 2 on (1 of 3 positions) |');
  expect(text).toContain('## gaussian rows, N = 5, D = 2, k = 3');
  fs.rmSync(dir, { recursive: true, force: true });
});
