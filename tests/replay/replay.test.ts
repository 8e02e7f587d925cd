// Replays stored histories of real loops against the current workflow code: a change that would break
// determinism for running loops fails here. Guard intended changes with patched() and keep old histories.
// Add one: temporal workflow show -w ID --run-id RUN --output json > tests/replay/histories/NAME.json, or
// run a loop test with POMONA_RECORD_HISTORIES=DIR (tests/helpers/record-history.ts) and copy its files.
import { Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_PARSED_ONCE, LIGHTLY_STUDIO_PUSH, PATCH_IDS } from '../../workflows/patches';
import { workflowBundle } from '../helpers/dev-server';

const dir = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

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

/** A stored history whose start input (the loop's config) is changed by `edit`. */
function withEditedConfig(file: string, edit: (config: Record<string, unknown>) => void): unknown {
  const history = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
    events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[];
  };
  const payload = history.events[0].workflowExecutionStartedEventAttributes!.input.payloads[0];
  const config = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, unknown>;
  edit(config);
  payload.data = Buffer.from(JSON.stringify(config)).toString('base64');
  return history;
}

// As if the schema had changed since the loop began: today's schema refuses this input (an unknown field),
// and the first run replays all the same, because it uses the config its parseConfig local activity recorded.
test('a first run replays on a schema that would refuse its config (config-parsed-once)', async () => {
  const file = 'bad-messages-rejected-round1.json';
  expect(patchIds(file)).toContain(CONFIG_PARSED_ONCE);
  const history = withEditedConfig(file, (config) => (config.retiredOption = true));
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    history,
    'config-parsed-once-changed-schema',
  );
});

// A loop with lightly.enabled (tests/lightly/lightly-auto-push.test.ts) pushed after each selection, after
// round 1's pool inference and after round 2's evaluation; with the option off, the same history would no
// longer replay, which shows the replay follows the recorded config and the patch, not today's defaults.
test('a loop that pushes into LightlyStudio replays (lightly-studio-push), and not with lightly.enabled off', async () => {
  for (const file of ['lightly-push-round1.json', 'lightly-push-round2.json'])
    expect(patchIds(file)).toContain(LIGHTLY_STUDIO_PUSH);
  const bundle = { workflowBundle: await workflowBundle() };
  const off = withEditedConfig(
    'lightly-push-round2.json',
    (config) => ((config.lightly as { enabled: boolean }).enabled = false),
  );
  await expect(Worker.runReplayHistory(bundle, off, 'lightly-push-disabled')).rejects.toThrow(/[Nn]ondeterminism/);
});

// Histories whose commands name the loop's own workflow id replay under the id they ran with, the others
// under their file's name. pool-shards-round1 (tests/reliability/shard-worker-kill.test.ts) started round
// 1's fan-out, whose child id is derived from it; the fan-out's own history is pool-shards-round1-fan-out.
const recordedWorkflowIds: Record<string, string> = { 'pool-shards-round1.json': 'pomona-shard-kill' };

test.each(files)('replays %s', async (file) => {
  const history: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const workflowId = recordedWorkflowIds[file] ?? path.basename(file, '.json');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
});
