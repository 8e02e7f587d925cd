// Replays stored histories of real loops against the current workflow code: a change that would break
// determinism for running loops fails here. Guard intended changes with patched() and keep old histories.
// Add one: temporal workflow show -w ID --run-id RUN --output json > tests/replay/histories/NAME.json, or
// run a loop test with POMONA_RECORD_HISTORIES=DIR (tests/helpers/record-history.ts) and copy its files.
import { Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PATCH_IDS } from '../../workflows/active-learning-loop';
import { workflowBundle } from '../helpers/dev-server';

const dir = path.join(__dirname, 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

interface StoredEvent {
  eventType: string;
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
}

/** The patch ids recorded in a stored history (`core_patch` markers). */
function patchIds(file: string): string[] {
  const { events } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { events: StoredEvent[] };
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .flatMap((e) => Object.values(e.markerRecordedEventAttributes!.details ?? {}).flatMap((d) => d.payloads ?? []))
    .map((p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id: string }).id);
}

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

test('every patched() path of the workflow has a stored history that took it', () => {
  const recorded = new Set(files.flatMap(patchIds));
  expect(PATCH_IDS.filter((id) => !recorded.has(id))).toEqual([]);
});

test.each(files)('replays %s', async (file) => {
  const history: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, path.basename(file, '.json'));
});
