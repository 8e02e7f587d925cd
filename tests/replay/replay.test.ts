// Replays stored histories of real loops against the current workflow code: a change that would break
// determinism for running loops fails here. Guard intended changes with patched() and keep old histories.
// Add one: temporal workflow show -w ID --run-id RUN --output json > tests/replay/histories/NAME.json
import { Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workflowBundle } from '../helpers/dev-server';

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed by another test file in this process
  }
});

test('histories are stored', () => {
  expect(files.length).toBeGreaterThanOrEqual(2);
});

test.each(files)('replays %s', async (file) => {
  const history: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, path.basename(file, '.json'));
});
