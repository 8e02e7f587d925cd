// `selection.deduplicate` (docs/selection.md) on a real LightlyStudio install: its deduplication of a pool's
// embeddings CSV, read once and kept beside the CSV, and the selectBatch activity that picks only among the
// images it keeps. Skipped, with a message, where LightlyStudio is not installed.
import execa from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deduplicatePool, deduplicationFile } from '../../activities/lightly-studio/deduplicate';
import { selectBatch } from '../../activities/select';
import { readSelection } from '../../activities/selection-file';
import { repositoryRoot } from '../../core/io/repository-root';
import { describeInstalled } from './read-back';

jest.setTimeout(300_000);

/** 8 spread-out unit vectors in 8-d (the axes) and, for the first 5, a near-copy 0.02 away. */
function writePool(dir: string): { csv: string; names: string[] } {
  const rows: { name: string; v: number[] }[] = [];
  for (let i = 0; i < 8; i++) rows.push({ name: `a${i}`, v: Array.from({ length: 8 }, (_, j) => (j === i ? 1 : 0)) });
  for (let i = 0; i < 5; i++) {
    const v = rows[i].v.map((x, j) => (j === (i + 1) % 8 ? 0.02 : x));
    const norm = Math.hypot(...v);
    rows.push({ name: `copy${i}`, v: v.map((x) => x / norm) });
  }
  const header = ['filenames', ...Array.from({ length: 8 }, (_, j) => `embedding_${j}`), 'labels'].join(',');
  const csv = path.join(dir, 'embeddings.csv');
  fs.writeFileSync(csv, [header, ...rows.map((r) => [`${r.name}.png`, ...r.v, 0].join(','))].join('\n') + '\n');
  return { csv, names: rows.map((r) => r.name) };
}

describeInstalled('LightlyStudio deduplication as a selection input', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-lightly-dedup-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('keeps one image of each near-copy pair, computed once, again when the embeddings change', async () => {
    const { csv } = writePool(dir);
    const first = await deduplicatePool(csv, 0.1);
    expect(first).toMatchObject({ minDistance: 0.1, rows: 13 });
    expect(first.kept).toHaveLength(8);
    for (let i = 0; i < 8; i++) {
      const pair = first.kept.filter((f) => f === `a${i}.png` || f === `copy${i}.png`);
      expect(pair).toHaveLength(1);
    }
    // every pair is far apart at a small distance: nothing is a duplicate
    expect((await deduplicatePool(csv, 0.01)).kept).toHaveLength(13);

    const file = deduplicationFile(csv, 0.1);
    const written = fs.statSync(file).mtimeMs;
    await deduplicatePool(csv, 0.1);
    expect(fs.statSync(file).mtimeMs).toBe(written); // read, not computed again

    await new Promise((r) => setTimeout(r, 20));
    fs.appendFileSync(csv, ['b0.png', 0, 0, 0, 0, 0, 0, 0.6, 0.8, 0].join(',') + '\n');
    expect((await deduplicatePool(csv, 0.1)).rows).toBe(14);
  });

  test('a file that is not an embeddings CSV is named in the error', async () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'name,x\na,1\n');
    await expect(deduplicatePool(bad, 0.1)).rejects.toThrow(/bad\.csv: not a Lightly embeddings CSV/);
  });

  test('selectBatch with selection.deduplicate picks no two near-copies and records what was kept', async () => {
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    const { csv, names } = writePool(project);
    const manifest = path.join(project, 'manifest.json');
    const images = names.map((name) => ({ name, file: `${name}.png`, width: 8, height: 8, split: 'pool' }));
    fs.writeFileSync(
      manifest,
      JSON.stringify({ owner: 't', layout: 'images', datasetRoot: project, images, problems: [] }),
    );
    const input = {
      projectDir: project,
      manifestPath: manifest,
      embeddingsPath: csv,
      method: 'RANDOM' as const,
      size: { batchSize: 8 },
      seed: 3,
      deduplicate: { minDistance: 0.1 },
    };
    const summary = await selectBatch({ ...input, round: 1 });
    const selection = await readSelection(summary.selectionPath);
    expect(selection.deduplicated).toEqual({ minDistance: 0.1, kept: 8 });
    expect(selection.images).toHaveLength(8);
    for (let i = 0; i < 5; i++)
      expect(selection.images.includes(`a${i}`) && selection.images.includes(`copy${i}`)).toBe(false);

    // a batch larger than the 8 kept images takes from every candidate, copies included (never cut short)
    const all = await selectBatch({ ...input, round: 2, size: { batchSize: 13 } });
    expect((await readSelection(all.selectionPath)).images.filter((n) => n.startsWith('copy'))).toHaveLength(5);
  });

  test('`pomona select --deduplicate` picks among the kept samples too', async () => {
    const cliDir = path.join(dir, 'cli');
    fs.mkdirSync(cliDir);
    const { csv } = writePool(cliDir);
    const args = ['--no-install', 'pomona', 'select', '--embeddings', csv, '--method', 'RANDOM', '--n', '8'];
    const { stdout, stderr } = await execa('npx', [...args, '--deduplicate', '0.1'], { cwd: repositoryRoot() });
    const picks = stdout.trim().split('\n');
    expect(picks).toHaveLength(8);
    for (let i = 0; i < 5; i++) expect(picks.includes(`a${i}.png`) && picks.includes(`copy${i}.png`)).toBe(false);
    expect(stderr).toMatch(/deduplication at 0.1: 8 of 13 kept/);
  });
});
