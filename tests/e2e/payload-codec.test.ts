// pomona through an encrypting payload codec (worker/payload-codec.ts), on a real dev server: workers and the
// CLI with the key in their environment run a loop round, while the server holds only ciphertext; without
// the key the CLI cannot read the loop; the codec refuses a wrong or altered payload. Activities are
// scripted (the codec is about payloads, not training).
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import { repositoryRoot } from '../../core/io/repository-root';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  PAYLOAD_KEY_ENV,
  payloadCodecsFromEnv,
} from '../../worker/payload-codec';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { status } from '../../workflows/messages';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '../../workflows/task-queues';
import { startDevServer, workflowBundle } from '../helpers/dev-server';
import { ScriptedActivities } from '../workflow/scripted-activities';

jest.setTimeout(180_000);

const key = crypto.randomBytes(32).toString('base64');
const codecs = payloadCodecsFromEnv({ [PAYLOAD_KEY_ENV]: key });
let env: TestWorkflowEnvironment;
let workers: Worker[] = [];
let running: Promise<void>[] = [];

beforeAll(async () => {
  env = await startDevServer({ dataConverter: { payloadCodecs: codecs } });
  const activities = new ScriptedActivities({ poolCount: 40, validationCount: 8, map50: [0.4] });
  const common = { connection: env.nativeConnection, dataConverter: { payloadCodecs: codecs } };
  workers = [
    await Worker.create({
      ...common,
      taskQueue: CPU_TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: activities.cpu(),
    }),
    await Worker.create({ ...common, taskQueue: GPU_TASK_QUEUE, activities: activities.gpu() }),
  ];
  running = workers.map((w) => w.run());
});

afterAll(async () => {
  for (const w of workers) w.shutdown();
  await Promise.all(running);
  await env?.teardown();
});

async function pomona(keyInEnv: string | undefined, ...args: string[]) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: env.address };
  if (keyInEnv) childEnv[PAYLOAD_KEY_ENV] = keyInEnv;
  else delete childEnv[PAYLOAD_KEY_ENV];
  try {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'pomona', ...args], {
      cwd: repositoryRoot(),
      env: childEnv,
      encoding: 'utf8',
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

test('a loop runs through the codec; the server holds ciphertext; the CLI needs the key', async () => {
  const workspace = '/customer-a/secret-workspace';
  const handle = await env.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: 'pomona-codec',
    args: [
      {
        project: 'codec',
        workspace,
        dataset: { path: '/customer-a/orchard-photos' },
        selection: { initial: { size: { batchSize: 10 } }, rounds: { size: { batchSize: 5 } } },
        stop: { maxRounds: 1 },
      },
    ],
  });
  for (let i = 0; i < 100 && (await handle.query(status)).phase !== 'awaiting-annotation'; i++)
    await new Promise((r) => setTimeout(r, 200));

  // The CLI with the key reads status and submits the labels; without it, it cannot read the loop.
  const shown = await pomona(key, 'status', 'codec');
  expect(shown.code).toBe(0);
  expect(shown.out).toContain('awaiting-annotation');
  const blind = await pomona(undefined, 'status', 'codec');
  expect(blind.code).not.toBe(0);
  expect(blind.out).toContain(
    `Unknown encoding: ${ENCRYPTED_ENCODING} (the loop's payloads are encrypted: set ${PAYLOAD_KEY_ENV} as the workers have it)`,
  );
  const submitted = await pomona(key, 'annotate', 'submit', 'codec', '--round', '1', '--labels', '/labels/round-1');
  expect(submitted.code).toBe(0);
  expect(await handle.result()).toMatchObject({ rounds: 1, labelled: 10, stopReason: 'max-rounds' });

  // What the server stored: every payload of the history encrypted, no path in clear.
  const plain = new Client({ connection: await Connection.connect({ address: env.address }) });
  const history = await plain.workflow.getHandle('pomona-codec', handle.firstExecutionRunId).fetchHistory();
  const raw = JSON.stringify(history.events);
  expect(raw).not.toContain('secret-workspace');
  const payloads = (history.events ?? []).flatMap((e) => [
    ...(e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
    ...(e.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
    ...(e.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
  ]);
  expect(payloads.length).toBeGreaterThan(5);
  for (const p of payloads) expect(Buffer.from(p.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  await plain.connection.close();
});

test('the codec refuses a payload of another key or an altered one, and a key of the wrong size', async () => {
  const [codec] = codecs;
  const [sealed] = await codec.encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
  ]);
  expect(await codec.decode([sealed])).toEqual([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
  ]);
  const other = new AesGcmPayloadCodec(crypto.randomBytes(32), 'default');
  await expect(other.decode([sealed])).rejects.toThrow(
    /does not decrypt with POMONA_PAYLOAD_KEY: a wrong key, or altered/,
  );
  const altered = { ...sealed, data: Buffer.from(sealed.data!).fill(0, 20, 21) };
  await expect(codec.decode([altered])).rejects.toThrow(/a wrong key, or altered/);
  const rotated = new AesGcmPayloadCodec(Buffer.from(key, 'base64'), 'next');
  await expect(rotated.decode([sealed])).rejects.toThrow(
    'a payload encrypted with key "default", but POMONA_PAYLOAD_KEY_ID is "next"',
  );
  expect(() => payloadCodecsFromEnv({ [PAYLOAD_KEY_ENV]: 'c2hvcnQ=' })).toThrow(
    'POMONA_PAYLOAD_KEY: need 32 bytes (base64), got 5',
  );
});
