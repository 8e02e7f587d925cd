// The Label Studio hand-off and read-back activities against a real Label Studio server: the project made
// once across retries, tasks with pre-labels in pomona's pick order, annotations (and a skip) read back and
// imported through the folder path's validation, bad annotations named by task, a restart mid-round.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportBatch } from '../../activities/annotation';
import { collectLabelStudioAnnotations } from '../../activities/label-studio/collect';
import { handOffToLabelStudio } from '../../activities/label-studio/hand-off';
import { LabelStudioClient, LABEL_STUDIO_TOKEN_ENV } from '../../activities/label-studio/label-studio-client';
import { prepareProject } from '../../activities/prepare';
import type { CollectLabelStudioInput, LabelStudioHandOffInput, PreparedProject } from '../../activities/types';
import { parseLoopConfig } from '../../core/config/loop-config';
import { modelVersion, NO_OBJECTS_CHOICE } from '../../core/formats/label-studio';
import { writeJsonAtomic } from '../../core/io/atomic-write';
import { layout } from '../../core/workspace-layout';
import { runningLabelStudio, startLabelStudio } from '../../cli/label-studio/label-studio-server';
import { startTestLabelStudio, type TestLabelStudio } from '../helpers/label-studio';
import { tempWorkspace } from '../helpers/orchard';
import { writeGreyPng, writeRgbPng } from '../helpers/png';

jest.setTimeout(300_000);
const quiet = new DefaultLogger('ERROR');
const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A) =>
  new MockActivityEnvironment(undefined, { logger: quiet }).run(fn, ...args) as Promise<R>;

const root = tempWorkspace();
let ls: TestLabelStudio;
let client: LabelStudioClient;
let prepared: PreparedProject;
const names = ['a', 'b', 'c', 'd'];

/** A MinneApple-layout pool of 64x48 images, one apple each (8..20 x 6..16). */
function pool(): string {
  const dir = path.join(root, 'pool');
  for (const n of names) {
    writeRgbPng(path.join(dir, 'images', `${n}.png`), 64, 48);
    writeGreyPng(path.join(dir, 'masks', `${n}.png`), 64, 48, (x, y) => (x >= 8 && x < 20 && y >= 6 && y < 16 ? 1 : 0));
  }
  return dir;
}

async function roundBatch(round: number, images: string[], prelabelsDir?: string) {
  const selectionPath = layout.selection(prepared.projectDir, round);
  await writeJsonAtomic(selectionPath, { round, method: 'CORESET', labelledBefore: 0, images });
  const exported = await run(exportBatch, { projectDir: prepared.projectDir, round, selectionPath, prelabelsDir });
  const target = { url: ls.server.url, project: 'pomona test orchard', filesRoot: root };
  const handOff: LabelStudioHandOffInput = {
    projectDir: prepared.projectDir,
    round,
    selectionPath,
    exportDir: exported.exportDir,
    classes: ['apple'],
    labelStudio: target,
  };
  return { selectionPath, handOff, target };
}

const box = (x: number, y: number, w: number, h: number, label = 'apple') => ({
  from_name: 'label',
  to_name: 'image',
  type: 'rectanglelabels',
  original_width: 64,
  original_height: 48,
  value: { x, y, width: w, height: h, rotation: 0, rectanglelabels: [label] },
});

beforeAll(async () => {
  ls = await startTestLabelStudio(root);
  process.env[LABEL_STUDIO_TOKEN_ENV] = ls.server.token;
  client = new LabelStudioClient(ls.server.url, ls.server.token);
  const parsed = parseLoopConfig({
    project: 'orchard',
    workspace: path.join(root, 'ws'),
    dataset: { path: pool() },
    selection: { initial: { method: 'CORESET', size: { batchSize: 2 } }, rounds: { size: { batchSize: 2 } } },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  prepared = await run(prepareProject, parsed.config);
});

afterAll(async () => {
  delete process.env[LABEL_STUDIO_TOKEN_ENV];
  await ls?.stop();
});

test('a batch becomes tasks in one project, in pick order, however often the hand-off is retried', async () => {
  // Pre-labels: the previous model's boxes for c (kept: score >= 0.3) and none for d.
  const prelabels = path.join(root, 'prelabels-1');
  fs.mkdirSync(prelabels, { recursive: true });
  fs.writeFileSync(
    path.join(prelabels, 'c.txt'),
    'apple 0 0 0 8 6 20 16 0 0 0 0 0 0 0 0.9\napple 0 0 0 1 1 3 3 0 0 0 0 0 0 0 0.1\n',
  );
  const { handOff } = await roundBatch(1, ['c', 'd'], prelabels);
  const first = await run(handOffToLabelStudio, handOff);
  const again = await run(handOffToLabelStudio, handOff);
  expect(again).toEqual(first);
  expect(first.tasks).toBe(2);
  expect(await client.projectsTitled('pomona test orchard')).toHaveLength(1);

  const tasks = await client.tasks(first.projectId);
  expect(tasks.map((t) => t.data.pomona_image).sort()).toEqual(['c', 'd']);
  for (const task of tasks) expect(task.predictions).toHaveLength(1);
  const c = tasks.find((t) => t.data.pomona_image === 'c')!;
  expect(c.predictions[0].model_version).toBe(modelVersion(1));
  expect(c.predictions[0].score).toBe(0);
  expect(c.predictions[0].result).toHaveLength(1);
  expect(c.predictions[0].result[0].value).toMatchObject({ x: 12.5, width: 18.75 });

  // The uncertainty queue serves pomona's first pick (c) first, and the image is served to the browser.
  const project = await client.project(first.projectId);
  expect(project).toMatchObject({ sampling: 'Uncertainty sampling', model_version: modelVersion(1) });
  const auth = { headers: { Authorization: `Token ${ls.server.token}` } };
  const next = (await (await fetch(`${ls.server.url}/api/projects/${first.projectId}/next/`, auth)).json()) as {
    id: number;
  };
  expect(next.id).toBe(c.id);
  const image = await fetch(`${ls.server.url}${c.data.image}`, auth);
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toMatch(/image\/png/);
});

test('annotations come back once every task is done; a wrong class is named by its task; a skip returns its image', async () => {
  const { handOff, selectionPath, target } = await roundBatch(2, ['a', 'b']);
  const batch = await run(handOffToLabelStudio, handOff);
  const collect: CollectLabelStudioInput = {
    projectDir: prepared.projectDir,
    round: 2,
    selectionPath,
    classes: ['apple'],
    labelStudio: target,
    projectId: batch.projectId,
    takeAnnotated: false,
  };
  const tasks = await client.tasks(batch.projectId);
  const task = (name: string) => tasks.find((t) => t.data.pomona_round === 2 && t.data.pomona_image === name)!;

  expect(await run(collectLabelStudioAnnotations, collect)).toEqual({
    progress: { total: 2, annotated: 0, skipped: 0, pending: 2 },
    imported: null,
  });
  await client.addAnnotation(task('a').id, [box(12.5, 12.5, 18.75, 20.83, 'pear')]);
  await client.addAnnotation(task('b').id, [], { cancelled: true });
  const rejected = await run(collectLabelStudioAnnotations, collect);
  expect(rejected.progress).toEqual({ total: 2, annotated: 1, skipped: 1, pending: 0 });
  expect(rejected.imported?.ok).toBe(false);
  expect(rejected.imported?.problems[0]).toMatch(
    new RegExp(`^task ${task('a').id} \\(a\\), annotation \\d+: region 1: class "pear" is not one of apple$`),
  );
  expect(fs.existsSync(layout.labelled(prepared.projectDir, 2))).toBe(false);

  // The annotator corrects it (a newer annotation counts); Label Studio restarts meanwhile.
  await ls.restart();
  await client.addAnnotation(task('a').id, [box(12.5, 12.5, 18.75, 20.83)]);
  const done = await run(collectLabelStudioAnnotations, collect);
  expect(done.imported).toMatchObject({ ok: true, labelledCount: 1, boxes: 1, boxesByClass: { apple: 1 } });
  const labelled = JSON.parse(fs.readFileSync(layout.labelled(prepared.projectDir, 2), 'utf8')) as {
    images: { name: string; labels: string }[];
  };
  expect(labelled.images.map((i) => i.name)).toEqual(['a']);
  const [x1, y1, x2, y2] = fs.readFileSync(labelled.images[0].labels, 'utf8').split(' ').slice(4, 8).map(Number);
  expect([x1, y1, x2, y2]).toEqual([8, 6, 20, 16]);
});

test('take what is there: the annotated images are imported, the rest return to the pool; no objects is a label', async () => {
  const { handOff, selectionPath, target } = await roundBatch(3, ['c', 'd']);
  const batch = await run(handOffToLabelStudio, handOff);
  const tasks = (await client.tasks(batch.projectId)).filter((t) => t.data.pomona_round === 3);
  const c = tasks.find((t) => t.data.pomona_image === 'c')!;
  await client.addAnnotation(c.id, [
    { from_name: 'empty', to_name: 'image', type: 'choices', value: { choices: [NO_OBJECTS_CHOICE] } },
  ]);
  const collect: CollectLabelStudioInput = {
    projectDir: prepared.projectDir,
    round: 3,
    selectionPath,
    classes: ['apple'],
    labelStudio: target,
    projectId: batch.projectId,
    takeAnnotated: true,
  };
  const taken = await run(collectLabelStudioAnnotations, collect);
  expect(taken.progress).toEqual({ total: 2, annotated: 1, skipped: 0, pending: 1 });
  expect(taken.imported).toMatchObject({ ok: true, labelledCount: 1, boxes: 0, boxesByClass: {} });
});

test('a wrong token is refused with the reason, and an unreachable server is an outage to retry', async () => {
  const { handOff } = await roundBatch(4, ['a']);
  process.env[LABEL_STUDIO_TOKEN_ENV] = 'not-the-token';
  try {
    await expect(run(handOffToLabelStudio, handOff)).rejects.toMatchObject({
      type: 'LabelStudioRefused',
      nonRetryable: true,
      message: expect.stringMatching(/answered GET \/api\/projects\/ with 401.*is LABEL_STUDIO_API_KEY the token/),
    });
    delete process.env[LABEL_STUDIO_TOKEN_ENV];
    await expect(run(handOffToLabelStudio, handOff)).rejects.toMatchObject({
      type: 'LabelStudioRefused',
      message: expect.stringMatching(/^LABEL_STUDIO_API_KEY is not set in this worker's environment/),
    });
  } finally {
    process.env[LABEL_STUDIO_TOKEN_ENV] = ls.server.token;
  }
  const down = { ...handOff, labelStudio: { ...handOff.labelStudio, url: 'http://127.0.0.1:9' } };
  await expect(run(handOffToLabelStudio, down)).rejects.toMatchObject({
    type: 'LabelStudioUnavailable',
    nonRetryable: false,
    message: expect.stringMatching(/^Label Studio at http:\/\/127.0.0.1:9 did not answer GET \/api\/projects\//),
  });
});

test('a second server is refused a port that is taken (Label Studio would silently take the next one)', async () => {
  const stateDir = path.join(root, 'other-label-studio');
  const port = Number(new URL(ls.server.url).port);
  await expect(startLabelStudio({ stateDir, port })).rejects.toThrow(
    `port ${port} on 127.0.0.1 is in use: choose another with --port`,
  );
  expect(await runningLabelStudio({ stateDir })).toBeNull();
  expect(await runningLabelStudio({ stateDir: ls.stateDir })).toMatchObject({ url: ls.server.url });
});
