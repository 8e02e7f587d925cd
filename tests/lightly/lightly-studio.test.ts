// `pomona lightly push` and `pomona lightly gui` against the real LightlyStudio that `pomona lightly setup`
// installs (docs/lightly.md): a real two-round project (stand-in trainer), pushed after round 1 and again
// after round 2, read back through LightlyStudio's own Python API and compared with pomona's files:
// images, embeddings, labels, predictions with scores, one tag per round; a third push adds nothing.
// Skipped, with a message, where LightlyStudio is not installed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import axios from 'axios';
import { parseEmbeddingsCsv } from '../../core/selection/embeddings-csv';
import { repositoryRoot } from '../../core/io/repository-root';
import { layout } from '../../core/workspace-layout';
import {
  asStored,
  byPosition,
  describeInstalled,
  expectPredictions,
  kittiBoxes,
  readBack,
  run,
  selected,
  tagged,
} from './read-back';
import { twoRoundProject } from './two-round-project';

jest.setTimeout(600_000);

/** The built CLI, as `npx pomona` runs it. */
async function pomona(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [path.join(repositoryRoot(), 'bin', 'pomona.js'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describeInstalled('LightlyStudio (installed in .tools/lightly-studio)', () => {
  let projectDir: string;
  let pool: string[];
  beforeAll(async () => {
    projectDir = await twoRoundProject();
    pool = fs.readdirSync(layout.poolImages(projectDir)).sort();
  });

  test('a push after round 1, then after round 2: everything read back through LightlyStudio equals pomona’s files', async () => {
    // As if pushed when round 1 had ended: round 2's folder is not there yet.
    const round2 = path.join(projectDir, 'rounds', '2');
    const later = path.join(projectDir, 'rounds', 'later-2');
    fs.renameSync(round2, later);
    const first = await pomona('lightly', 'push', projectDir);
    fs.renameSync(later, round2);
    expect(first.stderr).not.toMatch(/Traceback/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`dataset ${path.basename(projectDir)}, ${pool.length} images (+${pool.length})`);
    expect(first.stdout).toMatch(/tags: initial-selection \(4\)\n/);
    const afterRound1 = await readBack(projectDir);
    expect(afterRound1.images.filter((i) => i.tags.length).map((i) => i.tags)).toEqual([
      ['initial-selection'],
      ['initial-selection'],
      ['initial-selection'],
      ['initial-selection'],
    ]);
    expect(afterRound1.images.filter((i) => i.boxes.labels).map((i) => i.file_name)).toEqual(
      selected(projectDir, 1)
        .map((n) => `${n}.png`)
        .sort(),
    );

    const second = await pomona('lightly', 'push', projectDir);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`${pool.length} images (+0)`);
    const lightly = await readBack(projectDir);

    // Images: the pool, by the paths of its links.
    expect(lightly.images.map((i) => i.file_name)).toEqual(pool);
    expect(lightly.images.map((i) => i.path)).toEqual(pool.map((f) => path.join(layout.poolImages(projectDir), f)));

    // Embeddings: pomona's own (float32 in LightlyStudio), one embedding model, no other.
    const csv = parseEmbeddingsCsv(fs.readFileSync(layout.embeddings(projectDir), 'utf8'), 'embeddings.csv');
    expect(lightly.embeddingModels).toBe(1);
    expect(lightly.embeddingModel).toMatch(/^pomona\/embeddings\.csv@[0-9a-f]{16}$/);
    for (const image of lightly.images) {
      const row = csv.filenames.indexOf(image.file_name);
      const ours = Array.from(csv.data.subarray(row * csv.dim, (row + 1) * csv.dim));
      expect(image.embedding).toHaveLength(csv.dim);
      image.embedding!.forEach((v, d) => expect(v).toBeCloseTo(ours[d], 6));
    }

    // Labels: the 8 images labelled in rounds 1 and 2, every box, no score.
    const labelled = [...selected(projectDir, 1), ...selected(projectDir, 2)];
    expect(lightly.images.filter((i) => i.boxes.labels).map((i) => i.file_name)).toEqual(
      labelled.map((n) => `${n}.png`).sort(),
    );
    for (const name of labelled) {
      const image = lightly.images.find((i) => i.file_name === `${name}.png`)!;
      const round = selected(projectDir, 1).includes(name) ? 1 : 2;
      const ours = kittiBoxes(path.join(layout.annotations(projectDir, round), `${name}.txt`));
      expect(ours.length).toBeGreaterThan(0);
      expect(image.boxes.labels.every((b) => b.confidence === null)).toBe(true);
      expect(image.boxes.labels.map(({ confidence: _c, ...box }) => box).sort(byPosition)).toEqual(
        ours.map(asStored).sort(byPosition),
      );
    }

    // Predictions of round 1 (the last round predicts nothing more), each with its score.
    expectPredictions(lightly, projectDir, 1);
    expect(new Set(lightly.images.flatMap((i) => Object.keys(i.boxes)))).toEqual(
      new Set(['labels', 'predictions-round-1']),
    );

    // Tags: one per round's selection, named as in the seed tutorial.
    expect(tagged(lightly, 'initial-selection')).toEqual(
      selected(projectDir, 1)
        .map((n) => `${n}.png`)
        .sort(),
    );
    expect(tagged(lightly, 'al-iteration-1')).toEqual(
      selected(projectDir, 2)
        .map((n) => `${n}.png`)
        .sort(),
    );
    expect(new Set(lightly.images.flatMap((i) => i.tags))).toEqual(new Set(['initial-selection', 'al-iteration-1']));

    // Once more: nothing new, nothing duplicated.
    const third = await pomona('lightly', 'push', projectDir);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('boxes: labels +0, predictions-round-1 +0');
    expect(await readBack(projectDir)).toEqual(lightly);
  });

  test('lightly gui serves the dataset and its tags on 127.0.0.1 until Ctrl-C', async () => {
    const port = 18000 + (process.pid % 1000);
    const gui = spawn(
      'node',
      [path.join(repositoryRoot(), 'bin', 'pomona.js'), 'lightly', 'gui', projectDir, '--port', String(port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    gui.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    gui.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => gui.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!stdout.includes('LightlyStudio at') && Date.now() < deadline) {
        if (gui.exitCode !== null) throw new Error(`gui exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(stdout).toContain(`LightlyStudio at http://127.0.0.1:${port}`);
      const collections = (
        await axios.get<{ name: string; collection_id: string }[]>(`http://127.0.0.1:${port}/api/collections`)
      ).data;
      const dataset = collections.find((c) => c.name === path.basename(projectDir));
      expect(dataset).toBeDefined();
      const tags = (
        await axios.get<{ name: string }[]>(`http://127.0.0.1:${port}/api/collections/${dataset!.collection_id}/tags`)
      ).data;
      expect(tags.map((t) => t.name).sort()).toEqual(['al-iteration-1', 'initial-selection']);
    } finally {
      gui.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('LightlyStudio stopped');
    await expect(axios.get(`http://127.0.0.1:${port}/`, { timeout: 2000 })).rejects.toThrow();
  });

  test('pomona’s module type-checks against the installed LightlyStudio (pyright)', async () => {
    const { stdout } = await run(
      path.join(repositoryRoot(), 'node_modules', '.bin', 'pyright'),
      ['-p', path.join(repositoryRoot(), 'integrations', 'lightly-studio')],
      { encoding: 'utf8' },
    );
    expect(stdout).toContain('0 errors');
  });
});
