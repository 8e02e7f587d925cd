// The loop's orchestration on a time-skipping test server with scripted activities: every stop reason,
// pause, resume and stop in each phase, the update's validator and queued submissions, a GPU step that
// fails or hangs until its attempts are spent, a bad config, and the state carried across continue-as-new.
// What needs the real trainer, files or a real server (kills, cancellation, ingest) is in tests/integration
// and tests/reliability.
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  annotationsSubmitted,
  pause,
  resume,
  status,
  stop,
  submitAnnotations,
  SubmissionFailure,
  type AnnotationSubmission,
} from '../../workflows/messages';
import { useScriptedLoops, type LoopHandle } from './loop-environment';
import { BAD_LABELS } from './scripted-activities';

jest.setTimeout(60_000);

const startLoop = useScriptedLoops();

const labels = (round: number): AnnotationSubmission => ({ round, labelsDir: `/labels/round-${round}` });

/** The update's failure for `submission`: its type, message and the problems it names. */
async function refusal(
  handle: LoopHandle,
  submission: unknown,
): Promise<{ type?: string; message: string; problems?: string[] }> {
  try {
    await handle.executeUpdate(submitAnnotations, { args: [submission as AnnotationSubmission] });
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) throw err;
    const details = err.cause.details?.[0] as { problems?: string[] } | undefined;
    return { type: err.cause.type ?? undefined, message: err.cause.message, problems: details?.problems };
  }
  throw new Error(`the submission ${JSON.stringify(submission)} was accepted`);
}

describe('stop reasons', () => {
  test('max-rounds: three rounds, each fine-tuning the last, the state carried across continue-as-new', async () => {
    const loop = await startLoop({ stop: { maxRounds: 3 } });
    expect(await loop.annotate(1)).toMatchObject({ ok: true, labelledCount: 10 });
    expect(await loop.annotate(2)).toMatchObject({ ok: true, labelledCount: 15 });
    expect(await loop.annotate(3)).toMatchObject({ ok: true, labelledCount: 20 });
    const result = await loop.result();
    expect(result).toMatchObject({ rounds: 3, labelled: 20, stopReason: 'max-rounds' });
    expect(result.metrics.map((m) => [m.round, m.labelled, m.map50])).toEqual([
      [1, 10, 0.3],
      [2, 15, 0.5],
      [3, 20, 0.6],
    ]);
    const { calls, trainInputs } = loop.activities;
    // Prepared and embedded once for all rounds; no pool inference after the last round.
    expect(['parseConfig', 'prepareProject', 'embedPool'].map((a) => loop.activities.count(a))).toEqual([1, 1, 1]);
    expect(loop.activities.count('inferImages')).toBe(3 + 2);
    expect(calls.slice(0, 4)).toEqual(['parseConfig', 'prepareProject', 'embedPool', 'selectBatch']);
    const project = `/scripted-workspace/${result.project}`;
    expect(trainInputs.map((t) => [t.round, t.initWeights])).toEqual([
      [1, undefined],
      [2, `${project}/rounds/1/train/weights/final.pt`],
      [3, `${project}/rounds/2/train/weights/final.pt`],
    ]);
    expect(trainInputs.map((t) => t.labelledPath)).toEqual(
      [1, 2, 3].map((r) => `${project}/rounds/${r}/labelled.json`),
    );
    // Round n trains with seed + n; round 1's batch has no pre-labels, later ones the last model's.
    expect(trainInputs.map((t) => t.seed)).toEqual([1, 2, 3]);
  });

  test('target-map: the loop ends after the round that reaches it, without inferring on the pool', async () => {
    const loop = await startLoop({ stop: { maxRounds: 5, targetMap50: 0.45 } });
    await loop.annotate(1);
    await loop.annotate(2);
    expect(await loop.result()).toMatchObject({ rounds: 2, labelled: 15, stopReason: 'target-map' });
    expect(loop.activities.count('inferImages')).toBe(2 + 1);
  });

  test('label-budget: the last batch is cut to the budget, then the loop ends', async () => {
    const loop = await startLoop({ stop: { maxRounds: 5, labelBudget: 13 } });
    await loop.annotate(1);
    expect(await loop.annotate(2)).toMatchObject({ labelledCount: 13 });
    expect(await loop.result()).toMatchObject({ rounds: 2, labelled: 13, stopReason: 'label-budget' });
  });

  test('pool-exhausted: the loop ends when every pool image is labelled', async () => {
    const loop = await startLoop({ stop: { maxRounds: 5 } }, { poolCount: 12 });
    await loop.annotate(1);
    expect(await loop.annotate(2)).toMatchObject({ labelledCount: 12 });
    expect(await loop.result()).toMatchObject({ rounds: 2, labelled: 12, stopReason: 'pool-exhausted' });
  });

  test('size-reached: an nTotal already met selects nothing and ends the loop before a second batch', async () => {
    const loop = await startLoop({
      selection: { initial: { size: { nTotal: 10 } }, rounds: { size: { nTotal: 10 } } },
    });
    await loop.annotate(1);
    expect(await loop.result()).toMatchObject({ rounds: 1, labelled: 10, stopReason: 'size-reached' });
    expect(loop.activities.count('exportBatch')).toBe(1);
  });

  test('stop-signal while awaiting annotation: nothing is trained, the loop ends stopped', async () => {
    const loop = await startLoop({});
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    await loop.handle.signal(stop);
    expect(await loop.result()).toMatchObject({ rounds: 0, labelled: 0, stopReason: 'stop-signal' });
    const final = await loop.waitFor(() => true, 'the final status');
    expect(final).toMatchObject({ phase: 'stopped', pendingBatch: null, annotationProblems: [] });
    expect(loop.activities.count('trainRound')).toBe(0);
  });
});

describe('pause, resume and stop', () => {
  test('status while the config is being parsed shows the loop preparing, not an unregistered query', async () => {
    const loop = await startLoop({});
    const release = loop.activities.hold('parseConfig');
    const early = await loop.handle.query(status);
    release();
    expect(early).toMatchObject({ phase: 'preparing', round: 1, labelled: 0 });
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
  });

  test('paused while preparing: selection waits for resume', async () => {
    const loop = await startLoop({});
    const release = loop.activities.hold('prepareProject');
    await loop.waitFor((s) => s.phase === 'preparing', 'preparing');
    await loop.handle.signal(pause);
    release();
    await loop.waitFor((s) => s.paused && s.pool === 40, 'the prepared, paused loop');
    expect(loop.activities.count('embedPool')).toBe(0);
    await loop.handle.signal(resume);
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch after resume');
    expect(loop.activities.count('embedPool')).toBe(1);
  });

  test('paused while awaiting annotation: labels are imported, training waits for resume', async () => {
    const loop = await startLoop({ stop: { maxRounds: 1 } });
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    await loop.handle.signal(pause);
    await loop.waitFor((s) => s.paused, 'the pause');
    expect(await loop.handle.executeUpdate(submitAnnotations, { args: [labels(1)] })).toMatchObject({
      ok: true,
      labelledCount: 10,
    });
    const held = await loop.waitFor((s) => s.labelled === 10, 'the import');
    expect(held).toMatchObject({ paused: true, pendingBatch: null });
    expect(loop.activities.count('trainRound')).toBe(0);
    await loop.handle.signal(resume);
    expect(await loop.result()).toMatchObject({ rounds: 1, stopReason: 'max-rounds' });
    expect(loop.activities.count('trainRound')).toBe(1);
  });

  test('paused during pool inference: the pause crosses continue-as-new, and stop ends the paused round 2', async () => {
    const loop = await startLoop({});
    const release = loop.activities.hold('inferImages');
    await loop.annotate(1);
    await loop.waitFor((s) => s.phase === 'evaluating', 'validation inference');
    await loop.handle.signal(pause);
    release();
    const round2 = await loop.waitFor((s) => s.round === 2, 'round 2');
    expect(round2).toMatchObject({ paused: true, labelled: 10, metrics: [expect.objectContaining({ round: 1 })] });
    expect(loop.activities.count('selectBatch')).toBe(1);
    await loop.handle.signal(stop);
    // Round 1 was trained in the run before: it counts.
    expect(await loop.result()).toMatchObject({ rounds: 1, labelled: 10, stopReason: 'stop-signal' });
    expect(loop.activities.count('selectBatch')).toBe(1);
  });

  test('stop while selecting: the selected batch is still exported, nothing is trained, the loop ends stopped', async () => {
    const loop = await startLoop({});
    const release = loop.activities.hold('selectBatch');
    await loop.waitFor((s) => s.phase === 'selecting', 'selecting');
    await loop.handle.signal(stop);
    release();
    expect(await loop.result()).toMatchObject({ rounds: 0, labelled: 0, stopReason: 'stop-signal' });
    expect(['selectBatch', 'exportBatch', 'trainRound'].map((a) => loop.activities.count(a))).toEqual([1, 1, 0]);
  });

  // The round that was training or evaluating finishes, is evaluated and counts; nothing is inferred on the
  // pool (the one inferImages call is the validation images').
  test.each([
    ['trainRound', 'training'],
    ['evaluateRound', 'evaluating'],
  ] as const)('stop while %s runs (phase %s): the round counts, the pool is not inferred', async (activity, phase) => {
    const loop = await startLoop({});
    const release = loop.activities.hold(activity);
    await loop.annotate(1);
    await loop.waitFor((s) => s.phase === phase && loop.activities.count(activity) === 1, phase);
    await loop.handle.signal(stop);
    release();
    expect(await loop.result()).toMatchObject({
      rounds: 1,
      labelled: 10,
      stopReason: 'stop-signal',
      metrics: [expect.objectContaining({ round: 1 })],
    });
    expect(loop.activities.count('inferImages')).toBe(1);
  });
});

describe('annotation messages', () => {
  test('the validator refuses what cannot belong to the waiting batch, before it enters history', async () => {
    const loop = await startLoop({});
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    expect(await refusal(loop.handle, { round: 2, labelsDir: '/labels' })).toMatchObject({
      type: SubmissionFailure.invalid,
      message: 'the batch waiting for annotation is round 1, not 2',
    });
    expect(await refusal(loop.handle, { round: 1, labelsDir: 'labels' })).toMatchObject({
      type: SubmissionFailure.invalid,
      message: expect.stringContaining('absolute path'),
    });
    expect(await refusal(loop.handle, { round: 'one', labelsDir: '/labels' })).toMatchObject({
      type: SubmissionFailure.invalid,
      message: 'round must be an integer',
    });
    expect(await refusal(loop.handle, null)).toMatchObject({
      type: SubmissionFailure.invalid,
      message: expect.stringContaining('payload must be'),
    });
    const history = await loop.handle.fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect(loop.activities.count('importAnnotations')).toBe(0);
  });

  test('rejected labels fail the update with their problems; the loop keeps waiting and takes good ones', async () => {
    const loop = await startLoop({});
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    expect(await refusal(loop.handle, { round: 1, labelsDir: `/labels/${BAD_LABELS}` })).toMatchObject({
      type: SubmissionFailure.rejected,
      message: expect.stringContaining('class "pear"'),
      problems: ['img_0001.txt:1: class "pear" is not one of apple', 'img_0002.txt: missing'],
    });
    const waiting = await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'waiting again');
    expect(waiting.annotationProblems).toHaveLength(2);
    expect(waiting.lastError).toContain('round 1 labels rejected: 2 problem(s)');
    expect(await loop.handle.executeUpdate(submitAnnotations, { args: [labels(1)] })).toMatchObject({ ok: true });
    const imported = await loop.waitFor((s) => s.labelled === 10, 'the import');
    expect(imported).toMatchObject({ annotationProblems: [], lastError: null });
  });

  test('submissions queued behind an import are answered SubmissionNotImported, none is lost or imported twice', async () => {
    const loop = await startLoop({});
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    const release = loop.activities.hold('importAnnotations');
    const first = loop.handle.executeUpdate(submitAnnotations, { args: [labels(1)] });
    await loop.waitFor((s) => s.phase === 'importing', 'the first import');
    const second = refusal(loop.handle, { round: 1, labelsDir: '/labels/again' });
    // The signal path queues too; its outcome shows only in status.
    await loop.handle.signal(annotationsSubmitted, { round: 1, labelsDir: '/labels/by-signal' });
    release();
    expect(await first).toMatchObject({ ok: true, labelledCount: 10 });
    expect(await second).toMatchObject({
      type: SubmissionFailure.notImported,
      message: 'round 1 was already imported from another submission',
    });
    await loop.waitFor((s) => s.phase === 'training' || s.round === 2, 'training');
    expect(loop.activities.count('importAnnotations')).toBe(1);
  });

  test('a signal for another round is ignored with the reason in status, and clears the problems shown', async () => {
    const loop = await startLoop({});
    await loop.waitFor((s) => s.phase === 'awaiting-annotation', 'the first batch');
    await refusal(loop.handle, { round: 1, labelsDir: `/labels/${BAD_LABELS}` });
    await loop.handle.signal(annotationsSubmitted, { round: 3, labelsDir: '/labels' });
    const after = await loop.waitFor(
      (s) => s.lastError?.startsWith('annotationsSubmitted ignored') ?? false,
      'the ignored signal',
    );
    expect(after).toMatchObject({
      phase: 'awaiting-annotation',
      annotationProblems: [],
      lastError: 'annotationsSubmitted ignored: the batch waiting for annotation is round 1, not 3',
    });
  });
});

describe('failing and hanging GPU steps', () => {
  test('training that fails on every attempt pauses the loop with the reason; resume trains again', async () => {
    const loop = await startLoop({ trainer: { maxAttempts: 2 }, stop: { maxRounds: 1 } });
    loop.activities.next.trainRound.push('fail', 'fail');
    await loop.annotate(1);
    // The retry waits 10 s (initialInterval): the test server skips it.
    const paused = await loop.waitFor((s) => s.paused, 'the pause after two failed attempts', '5s');
    expect(paused).toMatchObject({ phase: 'training', labelled: 10 });
    expect(paused.lastError).toMatch(
      /^round 1 training failed \(.*trainRound: scripted crash\); the loop is paused: .*send resume to train again from the last checkpoint/,
    );
    expect(loop.activities.count('trainRound')).toBe(2);
    await loop.handle.signal(resume);
    expect(await loop.result()).toMatchObject({ rounds: 1, labelled: 10, stopReason: 'max-rounds' });
    expect(loop.activities.count('trainRound')).toBe(3);
    expect((await loop.waitFor(() => true, 'the final status')).lastError).toBeNull();
  });

  test('a failed embedding pauses the loop before selection; stop while paused ends it with nothing trained', async () => {
    const loop = await startLoop({ trainer: { maxEmbedInferAttempts: 1 } });
    loop.activities.next.embedPool.push('fail');
    const paused = await loop.waitFor((s) => s.paused, 'the pause');
    expect(paused).toMatchObject({
      phase: 'preparing',
      lastError: expect.stringContaining('embedding the pool failed'),
    });
    await loop.handle.signal(stop);
    expect(await loop.result()).toMatchObject({ rounds: 0, stopReason: 'stop-signal' });
    expect(loop.activities.count('selectBatch')).toBe(0);
  });

  test('a training that hangs without heartbeats is timed out by timeouts.heartbeat, retried, then paused', async () => {
    const loop = await startLoop({
      trainer: { maxAttempts: 2 },
      timeouts: { heartbeat: '2s' },
      stop: { maxRounds: 1 },
    });
    loop.activities.next.trainRound.push('hang', 'hang');
    await loop.annotate(1);
    // The test server does not skip time while an attempt runs: the timeout is 2 s of real time each.
    const paused = await loop.waitFor((s) => s.paused, 'the pause after two silent attempts', '5s');
    expect(paused.lastError).toMatch(/^round 1 training failed \(activity Heartbeat timeout\); the loop is paused/);
    expect(loop.activities.count('trainRound')).toBe(2);
    await loop.handle.signal(resume);
    expect(await loop.result()).toMatchObject({ rounds: 1, stopReason: 'max-rounds' });
  });
});

describe('bad input', () => {
  test('a bad config fails the loop at start with InvalidConfig naming every bad field, before any work', async () => {
    const loop = await startLoop({ stop: { maxRounds: 0 }, trainer: { inputSize: '100x100' } });
    const failure = await loop.handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidConfig', nonRetryable: true });
    expect(cause?.message).toMatch(/^invalid loop config: /);
    expect(cause?.message).toContain('stop.maxRounds: Too small');
    expect(cause?.message).toContain('trainer.inputSize: width and height must be multiples of 32');
    expect(loop.activities.calls).toEqual(['parseConfig']);
  });

  test('a dataset that is not there fails the loop once, without retries', async () => {
    const loop = await startLoop({ dataset: { path: '/datasets/missing' } });
    const failure = await loop.handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({
      type: 'DatasetNotFound',
      message: 'no dataset at /datasets/missing',
    });
    expect(loop.activities.count('prepareProject')).toBe(1);
  });
});

describe('a validation set people label first (round 0)', () => {
  test('without a validation set, round 0 is a random batch that becomes it; round 1 then has mAP', async () => {
    const loop = await startLoop(
      { dataset: { path: '/scripted-dataset', validation: { annotate: 6 } }, stop: { maxRounds: 1 } },
      { validationCount: 0, poolCount: 40 },
    );
    const waiting = await loop.waitFor((s) => s.pendingBatch?.round === 0, 'the validation batch');
    expect(waiting).toMatchObject({ phase: 'awaiting-annotation', round: 1, validation: 0, pool: 40 });
    expect(await refusal(loop.handle, labels(1))).toMatchObject({
      type: SubmissionFailure.invalid,
      message: 'the batch waiting for annotation is round 0, not 1',
    });
    await loop.handle.executeUpdate(submitAnnotations, { args: [labels(0)] });
    const round1 = await loop.waitFor((s) => s.pendingBatch?.round === 1, 'the round 1 batch');
    expect(round1).toMatchObject({ validation: 6, pool: 34, labelled: 0 });
    await loop.handle.executeUpdate(submitAnnotations, { args: [labels(1)] });
    const result = await loop.result();
    expect(result).toMatchObject({ rounds: 1, labelled: 10 });
    expect(result.metrics).toHaveLength(1);
    // Round 1 selects from the pool without the validation images and trains on its own batch only.
    expect(loop.activities.trainInputs[0].labelledPath).toBe(
      `/scripted-workspace/${result.project}/rounds/1/labelled.json`,
    );
    expect(loop.activities.calls.filter((c) => ['selectBatch', 'promoteValidation'].includes(c))).toEqual([
      'selectBatch',
      'promoteValidation',
      'selectBatch',
    ]);
  });

  test('with a validation set, or without annotate, there is no round 0 (rounds without one have no mAP)', async () => {
    const loop = await startLoop({ stop: { maxRounds: 1 } }, { validationCount: 0 });
    expect((await loop.waitFor((s) => s.pendingBatch !== null, 'the first batch')).pendingBatch?.round).toBe(1);
    await loop.annotate(1);
    expect(await loop.result()).toMatchObject({ rounds: 1, metrics: [] });
    expect(loop.activities.count('promoteValidation')).toBe(0);
  });
});

describe('several classes', () => {
  test("while people label, the Web UI's details show the last AP per class and the labelled boxes per class", async () => {
    const classes = ['apple', 'leaf'];
    const loop = await startLoop({ annotation: { classes }, stop: { maxRounds: 2 } }, { classes });
    await loop.annotate(1);
    const waiting = await loop.waitFor(
      (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === 2,
      'the round 2 batch',
    );
    expect(waiting.labelledBoxesByClass).toEqual({ apple: 20, leaf: 10 });
    const metadata = await loop.handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toBe(
      `**${waiting.project}** round 2: 5 images in ${waiting.pendingBatch!.exportDir}; ` +
        'round 1 mAP50 0.300 (AP50: apple 0.400, leaf 0.200); labelled boxes: apple 20, leaf 10',
    );
  });
});
