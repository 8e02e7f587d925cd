// Paths from workflow inputs against the worker's allowed roots (POMONA_WORKSPACE_ROOTS, POMONA_DATA_ROOTS):
// the config at the loop's start (workspace, dataset, validation), a symlink that escapes a root, and a
// submission's labels folder. The TAO model's mount is in tao/tao-backend.test.ts.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLoopConfig, type LoopConfigInput } from '../core/config/loop-config';
import { tempWorkspace, tinyOrchard } from '../tests/helpers/orchard';
import { DATA_ROOTS_ENV, outsideRoots, WORKSPACE_ROOTS_ENV } from './allowed-roots';
import { importAnnotations } from './annotation';
import { prepareProject } from './prepare';

const quiet = new DefaultLogger('ERROR');
const root = fs.realpathSync(tempWorkspace());
const workspaces = path.join(root, 'workspaces');
const data = path.join(root, 'data');
const elsewhere = path.join(root, 'elsewhere');
let dataset: string;
const saved = { ...process.env };

beforeAll(() => {
  for (const dir of [workspaces, data, elsewhere]) fs.mkdirSync(dir, { recursive: true });
  dataset = path.join(data, 'orchard');
  fs.renameSync(tinyOrchard(6, 1), dataset);
  fs.cpSync(dataset, path.join(elsewhere, 'orchard'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere, 'orchard'), path.join(data, 'escape')); // in the root, pointing out
});

beforeEach(() => {
  process.env[WORKSPACE_ROOTS_ENV] = workspaces;
  process.env[DATA_ROOTS_ENV] = `${path.join(root, 'unused')}:${data}`;
});

afterAll(() => {
  process.env = saved;
});

async function prepared(edit: Partial<LoopConfigInput>): Promise<string> {
  const parsed = parseLoopConfig({
    project: 'orchard',
    workspace: path.join(workspaces, 'ws'),
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: { initial: { size: { nTotal: 2 } }, rounds: { size: { batchSize: 2 } } },
    ...edit,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const error = await new MockActivityEnvironment(undefined, { logger: quiet }).run(prepareProject, parsed.config).then(
    () => null,
    (e: unknown) => e as Error & { type?: string; nonRetryable?: boolean },
  );
  return error ? `${error.type}${error.nonRetryable ? ' (non-retryable)' : ''}: ${error.message}` : 'prepared';
}

const roots = () => `(POMONA_DATA_ROOTS=${root}/unused:${data})`;

test('a config whose paths lie under the roots is prepared; a workspace that does not exist yet is fine', async () => {
  expect(await prepared({ workspace: path.join(workspaces, 'new', 'ws') })).toBe('prepared');
});

test('each path of the config outside its roots is refused before anything is read or written', async () => {
  expect(await prepared({ workspace: path.join(elsewhere, 'ws') })).toBe(
    `PathNotAllowed (non-retryable): workspace: ${elsewhere}/ws is outside the folders this worker may use (POMONA_WORKSPACE_ROOTS=${workspaces})`,
  );
  expect(fs.existsSync(path.join(elsewhere, 'ws'))).toBe(false);
  expect(
    await prepared({ workspace: path.join(workspaces, 'b'), dataset: { path: path.join(elsewhere, 'orchard') } }),
  ).toBe(
    `PathNotAllowed (non-retryable): dataset.path: ${elsewhere}/orchard is outside the folders this worker may use ${roots()}`,
  );
  expect(
    await prepared({
      workspace: path.join(workspaces, 'c'),
      dataset: { path: dataset, validation: { path: path.join(elsewhere, 'orchard') } },
    }),
  ).toBe(
    `PathNotAllowed (non-retryable): dataset.validation.path: ${elsewhere}/orchard is outside the folders this worker may use ${roots()}`,
  );
  // ".." is resolved too
  expect(await outsideRoots(path.join(data, '..', 'elsewhere'), 'dataset.path', DATA_ROOTS_ENV)).toMatch(/is outside/);
});

test('a symlink under a root that points outside it is refused, naming where it leads', async () => {
  expect(await prepared({ workspace: path.join(workspaces, 'd'), dataset: { path: path.join(data, 'escape') } })).toBe(
    `PathNotAllowed (non-retryable): dataset.path: ${data}/escape (resolved: ${elsewhere}/orchard) is outside the folders this worker may use ${roots()}`,
  );
});

test('a submission from outside the data roots imports nothing and says why', async () => {
  const result = await new MockActivityEnvironment(undefined, { logger: quiet }).run(importAnnotations, {
    projectDir: path.join(workspaces, 'ws', 'orchard'),
    round: 1,
    selectionPath: path.join(workspaces, 'ws', 'orchard', 'rounds', '1', 'selection.json'),
    labelsDir: path.join(elsewhere, 'orchard', 'labels'),
  });
  expect(result).toEqual({
    ok: false,
    problems: [
      `labelsDir: ${elsewhere}/orchard/labels is outside the folders this worker may use (POMONA_DATA_ROOTS=${root}/unused:${data}, POMONA_WORKSPACE_ROOTS=${workspaces})`,
    ],
    problemCount: 1,
    labelledCount: 0,
    boxes: 0,
  });
});

test('without the variables every path is allowed (a laptop)', async () => {
  delete process.env[WORKSPACE_ROOTS_ENV];
  delete process.env[DATA_ROOTS_ENV];
  expect(await outsideRoots(path.join(elsewhere, 'orchard'), 'dataset.path', DATA_ROOTS_ENV)).toBeNull();
});
