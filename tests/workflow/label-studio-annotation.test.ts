// The Label Studio branch of step 3 on a time-skipping test server with scripted activities: polling and
// its back-off, webhooks (labelStudioChanged, and the receiver that sends it: forged, oversized and replayed
// requests), takeAnnotated, rejected annotations, Label Studio down, a
// folder submission refused, and stop while waiting. The real server is in tests/label-studio.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { WEBHOOK_SECRET_HEADER } from '../../activities/label-studio/hand-off';
import { startWebhookReceiver } from '../../worker/label-studio-webhooks';
import { labelStudioChanged, stop, submitAnnotations, takeAnnotated } from '../../workflows/messages';
import { useScriptedLoops, type ScriptedLoop } from './loop-environment';

jest.setTimeout(60_000);

const startLoop = useScriptedLoops();

function labelStudio(pollEvery: string): Partial<LoopConfigInput> {
  return {
    annotation: { tool: 'label-studio', labelStudio: { url: 'http://scripted:8080', pollEvery } },
    stop: { maxRounds: 2 },
  };
}

/** Waits until round `round`'s batch is in Label Studio and read back at least once. */
function handedOff(loop: ScriptedLoop, round: number, advance?: Duration) {
  return loop.waitFor(
    (s) => s.pendingBatch?.round === round && s.pendingBatch.labelStudio?.progress != null,
    `round ${round} in Label Studio`,
    advance,
  );
}

test('polling: the batch is imported at the first read-back after the tasks are done; it backs off while nothing changes', async () => {
  const loop = await startLoop(labelStudio('1m'));
  const waiting = await handedOff(loop, 1);
  expect(waiting.pendingBatch?.labelStudio).toEqual({
    url: 'http://scripted:8080',
    projectId: 7,
    projectUrl: 'http://scripted:8080/projects/7/data',
    progress: { total: 10, annotated: 0, skipped: 0, pending: 10 },
    webhook: true,
  });
  expect(loop.activities.collectInputs[0]).toMatchObject({
    round: 1,
    projectId: 7,
    takeAnnotated: false,
    labelStudio: { url: 'http://scripted:8080', project: `pomona ${waiting.project}`, filesRoot: '/' },
  });
  // Two hours with no progress: read back at 1, 2, 4, ... 32 minutes apart, not 120 times.
  const before = loop.activities.count('collectLabelStudioAnnotations');
  for (let i = 0; i < 12; i++) await loop.advance('10m');
  const polls = loop.activities.count('collectLabelStudioAnnotations') - before;
  expect(polls).toBeGreaterThanOrEqual(4);
  expect(polls).toBeLessThanOrEqual(9);

  Object.assign(loop.activities.labelStudio, { annotated: 9, skipped: 1 });
  const next = await handedOff(loop, 2, '10m');
  expect(next.labelled).toBe(9);
  expect(loop.activities.count('trainRound')).toBe(1);
});

test('a webhook reads the batch back at once; the next poll is not needed', async () => {
  const loop = await startLoop(labelStudio('1h'));
  await handedOff(loop, 1);
  loop.activities.labelStudio.annotated = 10;
  await loop.handle.signal(labelStudioChanged, { action: 'ANNOTATION_CREATED', taskId: 3 });
  const next = await handedOff(loop, 2);
  expect(next.labelled).toBe(10);
});

test('the webhook receiver signals only with the secret and a bounded body; a replay imports nothing twice', async () => {
  const loop = await startLoop(labelStudio('1h'));
  await handedOff(loop, 1);
  const secret = 'FAKE-webhook-secret-9f3a';
  const receiver = await startWebhookReceiver({ client: loop.client, secret, port: 0, log: () => {} });
  try {
    const url = `${receiver.url}/${loop.handle.workflowId}`;
    const body = JSON.stringify({ action: 'ANNOTATION_CREATED', task: { id: 3 } });
    const post = (headers: Record<string, string>, text = body) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text }).then(
        (r) => r.status,
      );
    const signals = async () =>
      (await loop.handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    const before = await signals();

    expect(await post({})).toBe(403); // no secret
    expect(await post({ [WEBHOOK_SECRET_HEADER]: 'guessed' })).toBe(403);
    expect(await post({ [WEBHOOK_SECRET_HEADER]: secret }, 'x'.repeat((1 << 20) + 1))).toBe(413);
    expect((await fetch(url)).status).toBe(404); // GET is no webhook
    expect(await signals()).toBe(before);

    loop.activities.labelStudio.annotated = 10;
    expect(await post({ [WEBHOOK_SECRET_HEADER]: secret })).toBe(200);
    const next = await handedOff(loop, 2);
    expect(next.labelled).toBe(10);
    // The same request again (Label Studio's webhooks carry no nonce): one more read-back of round 2, nothing imported
    const reads = loop.activities.count('collectLabelStudioAnnotations');
    expect(await post({ [WEBHOOK_SECRET_HEADER]: secret })).toBe(200);
    await loop.waitFor(() => loop.activities.count('collectLabelStudioAnnotations') > reads, 'the read-back');
    const after = await loop.waitFor((s) => s.pendingBatch?.round === 2, 'round 2 still waiting');
    expect(after.labelled).toBe(10);
  } finally {
    await receiver.close();
  }
});

test('takeAnnotated imports what is done; the rest return to the pool', async () => {
  const loop = await startLoop(labelStudio('1h'));
  await handedOff(loop, 1);
  loop.activities.labelStudio.annotated = 4;
  await loop.handle.signal(takeAnnotated, { round: 2 });
  expect((await loop.waitFor((s) => s.lastError !== null, 'the refusal')).lastError).toBe(
    'takeAnnotated ignored: the batch in Label Studio is round 1, not 2',
  );
  await loop.handle.signal(takeAnnotated, { round: 1 });
  const next = await handedOff(loop, 2);
  expect(next.labelled).toBe(4);
  expect(loop.activities.collectInputs.map((i) => i.takeAnnotated)).toContain(true);
});

test('rejected annotations show by task and the loop keeps waiting; corrected, they are imported', async () => {
  const loop = await startLoop(labelStudio('1h'));
  await handedOff(loop, 1);
  Object.assign(loop.activities.labelStudio, {
    annotated: 10,
    problems: ['task 12 (img_0003), annotation 40: region 1: class "pear" is not one of apple'],
  });
  await loop.handle.signal(labelStudioChanged);
  const rejected = await loop.waitFor((s) => s.annotationProblems.length > 0, 'the rejection');
  expect(rejected).toMatchObject({
    phase: 'awaiting-annotation',
    annotationProblems: ['task 12 (img_0003), annotation 40: region 1: class "pear" is not one of apple'],
    lastError: 'round 1 annotations rejected: 1 problem(s) in Label Studio tasks; fix them there',
  });
  loop.activities.labelStudio.problems = [];
  await loop.handle.signal(labelStudioChanged, { action: 'ANNOTATION_UPDATED' });
  const next = await handedOff(loop, 2);
  expect(next).toMatchObject({ labelled: 10, annotationProblems: [], lastError: null });
});

test('Label Studio down: the failure shows in status, and the next read-back hands the batch off', async () => {
  const loop = await startLoop(labelStudio('1m'));
  loop.activities.labelStudio.down = true;
  const down = await loop.waitFor((s) => s.lastError !== null, 'the outage', '5s');
  expect(down.lastError).toMatch(
    /^Label Studio hand-off failed \(LabelStudioUnavailable: Label Studio at http:\/\/scripted did not answer .*\); trying again within 1m$/,
  );
  expect(down.pendingBatch?.labelStudio?.projectId).toBeNull();
  expect(loop.activities.count('handOffToLabelStudio')).toBe(3);
  loop.activities.labelStudio.down = false;
  // The poll timer would do it within a minute (the polling test); a webhook does it now.
  await loop.handle.signal(labelStudioChanged);
  const up = await handedOff(loop, 1);
  expect(up.lastError).toBeNull();
  expect(up.pendingBatch?.labelStudio?.projectId).toBe(7);
});

test('a folder submission is refused while the batch is in Label Studio; stop ends the wait', async () => {
  const loop = await startLoop(labelStudio('1h'));
  await handedOff(loop, 1);
  const refused = await loop.handle
    .executeUpdate(submitAnnotations, { args: [{ round: 1, labelsDir: '/labels/round-1' }] })
    .catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('InvalidSubmission');
  expect(cause.message).toBe(
    'round 1 is labelled in Label Studio (http://scripted:8080/projects/7/data): annotate there, or send takeAnnotated to import what is done',
  );
  await loop.handle.signal(stop);
  expect(await loop.result()).toMatchObject({ rounds: 0, labelled: 0, stopReason: 'stop-signal' });
});
