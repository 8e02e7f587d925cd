// activeLearningLoop: one run performs one round (prepare once, select, annotate, train, evaluate, infer)
// and hands a compact state to the next run through continueAsNew, so history stays small however many
// rounds a project takes. Deterministic workflow code: no I/O here, only activities do work.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  patched,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  setCurrentDetails,
  log,
  TimeoutFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type * as cpuActivities from '../activities/cpu';
import type { GpuActivities } from '../activities/gpu';
import type { ImportResult, RoundMetrics } from '../activities/types';
import { batchSizeFor, DEFAULT_EMBED_INFER_ATTEMPTS, DEFAULT_TRAIN_ATTEMPTS, parseLoopConfig, type LoopConfig, type LoopConfigInput } from '../core/config/loop-config';
import { layout } from '../core/workspace-layout';
import { stopReasonAfterRound, type CarriedState } from './loop-state';
import {
  annotationsSubmitted,
  pause,
  resume,
  status,
  stop,
  submitAnnotations,
  trainingAttemptFailed,
  trainingProgress,
  SubmissionFailure,
  type AnnotationSubmission,
  type LoopPhase,
  type RejectedAnnotations,
  type LoopResult,
  type LoopStatus,
  type StopReason,
} from './messages';
import { CONFIG_PARSED_ONCE, EMBED_INFER_FAILURE_PAUSES, SUBMISSION_REJECTION_FAILS_UPDATE, TRAINING_FAILURE_PAUSES } from './patches';
import { PomonaMap50, PomonaPhase, PomonaProject, PomonaRound } from './search-attributes';
import { ErrorType, NON_RETRYABLE_ERRORS } from '../core/errors';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from './task-queues';

// Every CPU activity heartbeats while it works (activities/keep-alive.ts), so that a completion lost to a
// server outage is retried within the heartbeat timeout, not after the 2 h start-to-close
// (docs/reliability.md, server killed). Ingest, selection and evaluation have synchronous stretches
// (decoding masks, parsing embeddings, k-center greedy: seconds for a million rows), hence 5 minutes.
const cpuOptions: ActivityOptions = {
  taskQueue: CPU_TASK_QUEUE,
  startToCloseTimeout: '2h',
  retry: { initialInterval: '2s', maximumInterval: '2m', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
};
const cpu = proxyActivities<typeof cpuActivities>(cpuOptions);
// Parsing the config is pure and quick: a local activity on the workflow's own worker, recorded in history.
const { parseConfig } = proxyLocalActivities<typeof cpuActivities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS } });
const cpuWorkOptions: ActivityOptions = { ...cpuOptions, heartbeatTimeout: '5m' };
// The annotation hand-off (export, import) only copies and validates files: a minute.
const handOffOptions: ActivityOptions = { ...cpuOptions, heartbeatTimeout: '1m' };

type PatchId = typeof TRAINING_FAILURE_PAUSES | typeof EMBED_INFER_FAILURE_PAUSES;

function gpuOptions(config: LoopConfig, startToCloseTimeout: string): ActivityOptions {
  return {
    taskQueue: GPU_TASK_QUEUE,
    // The schema admits only ms-style durations ("90s", "2h"), which is what Duration's string form is.
    startToCloseTimeout: startToCloseTimeout as Duration,
    heartbeatTimeout: config.timeouts.heartbeat as Duration,
    retry: { initialInterval: '5s', maximumInterval: '5m', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
  };
}

export async function activeLearningLoop(input: LoopConfigInput, carried?: CarriedState): Promise<LoopResult> {
  const config = carried ? (input as LoopConfig) : await firstRunConfig(input);
  const gpuTrain = gpuOptions(config, config.timeouts.train);
  const gpuInfer = gpuOptions(config, config.timeouts.infer);
  const gpu = proxyActivities<GpuActivities>(gpuTrain);
  // Loops started before `maxAttempts` existed carry a config without it.
  const trainAttempts = config.trainer.maxAttempts ?? DEFAULT_TRAIN_ATTEMPTS;
  // Loops started before `trainer.backbone` existed trained the scratch network, and fine-tune from it.
  const trainerBackbone = config.trainer.backbone ?? 'scratch';
  // Bounded like training (a trainer that fails every time must not retry forever, invisibly).
  const embedInferRetry = { ...gpuTrain.retry, maximumAttempts: config.trainer.maxEmbedInferAttempts ?? DEFAULT_EMBED_INFER_ATTEMPTS };

  const round = carried?.round ?? 1;
  const view: LoopStatus = {
    project: config.project,
    phase: 'preparing',
    round,
    paused: carried?.paused ?? false,
    stopRequested: false,
    labelled: carried?.labelled ?? 0,
    pool: carried?.prepared.poolCount ?? 0,
    validation: carried?.prepared.validationCount ?? 0,
    manifestPath: carried?.prepared.manifestPath ?? null,
    pendingBatch: null,
    annotationProblems: [],
    training: null,
    metrics: carried?.metrics ?? [],
    lastError: null,
    stopReason: null,
  };

  // Submissions from the update and the signal share one queue; the main loop imports them in order.
  const submissions: { id: number; submission: AnnotationSubmission }[] = [];
  const outcomes = new Map<number, ImportResult | ApplicationFailure>();
  let nextSubmissionId = 0;

  setHandler(status, () => view);
  setHandler(stop, () => {
    view.stopRequested = true;
  });
  setHandler(pause, () => {
    view.paused = true;
  });
  setHandler(resume, () => {
    view.paused = false;
  });
  setHandler(trainingProgress, (progress) => {
    if (view.phase === 'training' && progress.round === view.round) view.training = progress;
  });
  setHandler(trainingAttemptFailed, (failure) => {
    if (view.phase !== 'training' || failure.round !== view.round) return;
    const left = trainAttempts - failure.attempt;
    view.lastError = `round ${failure.round} training attempt ${failure.attempt} of ${trainAttempts} failed: ${failure.message}` +
      (left > 0 && failure.retryable !== false ? `; Temporal retries it from the last checkpoint (${left} attempt(s) left)` : '');
  });
  setHandler(
    submitAnnotations,
    async (submission) => {
      const id = nextSubmissionId++;
      submissions.push({ id, submission });
      await condition(() => outcomes.has(id));
      const outcome = outcomes.get(id)!;
      outcomes.delete(id);
      if (outcome instanceof ApplicationFailure) throw outcome;
      return outcome;
    },
    { validator: (submission) => validateSubmission(view, submission) },
  );
  setHandler(annotationsSubmitted, (submission) => {
    try {
      validateSubmission(view, submission);
      submissions.push({ id: nextSubmissionId++, submission });
    } catch (err) {
      view.lastError = `annotationsSubmitted ignored: ${(err as Error).message}`;
      // The problems shown belong to an earlier submission; beside this error they would read as its own.
      view.annotationProblems = [];
    }
  });

  function enter(phase: LoopPhase, details: string): void {
    view.phase = phase;
    setCurrentDetails(`**${config.project}** round ${view.round}: ${details}`);
    upsertSearchAttributes([
      { key: PomonaProject, value: config.project },
      { key: PomonaPhase, value: phase },
      { key: PomonaRound, value: view.round },
    ]);
  }

  /** Waits while paused; returns false when a stop was requested meanwhile. */
  async function proceed(): Promise<boolean> {
    await condition(() => !view.paused || view.stopRequested);
    return !view.stopRequested;
  }

  /**
   * Runs a GPU step (training, the embedding, an inference) whose Temporal retries are bounded. When its
   * attempts are spent the loop pauses on it, with the reason in `status.lastError` and everything labelled
   * kept, and `resume` runs it again with fresh attempts (`again` says what that does). Returns null when a
   * stop arrives while paused. Loops that began before the pause (`patch`) fail as they did.
   */
  async function runOrPause<T>(patch: PatchId, phase: LoopPhase, details: string, what: string, again: string, run: () => Promise<T>): Promise<T | null> {
    let failed = false;
    for (;;) {
      try {
        const result = await run();
        if (failed) view.lastError = null;
        return result;
      } catch (err) {
        // Cancellation ends the loop as before.
        if (!(err instanceof ActivityFailure) || isCancellation(err) || !patched(patch)) throw err;
        failed = true;
        view.lastError = `${what} failed (${failureText(err)}); the loop is paused: fix the cause, then send resume to ${again}, or stop`;
        view.paused = true;
        enter(phase, `${what} failed; paused until resume`);
        if (!(await proceed())) return null;
        enter(phase, details);
      }
    }
  }

  /**
   * What the update answers for a submission that was not imported: a failure, so the caller (and the CLI's
   * exit code) cannot take it for an import (the ok: false result's counts described the loop, not the
   * submission). Replaying a history from a worker before the patch keeps its ok: false answers.
   */
  function notImported(result: ImportResult, type: string, message: string): ImportResult | ApplicationFailure {
    if (!patched(SUBMISSION_REJECTION_FAILS_UPDATE)) return result;
    const details: RejectedAnnotations = { problems: result.problems, problemCount: result.problemCount };
    const shown = result.problems.slice(0, 5).join('; ') + (result.problemCount > 5 ? `; ... (${result.problemCount} in all)` : '');
    return ApplicationFailure.create({ type, message: type === SubmissionFailure.rejected ? `${message}: ${shown}` : message, details: [details], nonRetryable: true });
  }

  /** Ends the loop; `rounds` counts trained rounds (also for datasets without a validation split). */
  async function finish(reason: StopReason, trainedThisRun = false): Promise<LoopResult> {
    view.stopReason = reason;
    // A finished loop waits for no labels: nothing to show as pending or rejected.
    view.pendingBatch = null;
    view.annotationProblems = [];
    enter(reason === 'stop-signal' ? 'stopped' : 'completed', `finished: ${reason}`);
    await condition(allHandlersFinished);
    const rounds = round - 1 + (trainedThisRun ? 1 : 0);
    return { project: config.project, rounds, labelled: view.labelled, metrics: view.metrics, stopReason: reason };
  }

  // 1. Prepare (first run only): manifest, fixed validation split, embeddings of the pool.
  let state: CarriedState;
  if (carried) {
    state = carried;
  } else {
    enter('preparing', 'ingesting the dataset');
    const prepared = await cpu.prepareProject.executeWithOptions(
      { ...cpuWorkOptions, summary: `ingest ${config.dataset.path}` },
      [config],
    );
    view.pool = prepared.poolCount;
    view.validation = prepared.validationCount;
    view.manifestPath = prepared.manifestPath;
    if (!(await proceed())) return finish('stop-signal');
    const embedding = `embedding ${prepared.poolCount} pool images`;
    enter('preparing', embedding);
    const embeddings = await runOrPause(EMBED_INFER_FAILURE_PAUSES, 'preparing', embedding, 'embedding the pool', 'run it again', () =>
      gpu.embedPool.executeWithOptions(
        { ...gpuTrain, retry: embedInferRetry, summary: `embed ${prepared.poolCount} images` },
        [{ projectDir: prepared.projectDir, poolImagesDir: prepared.poolImagesDir, method: config.embedding.method, epochs: config.embedding.epochs, dim: config.embedding.dim, seed: config.selection.seed, device: config.trainer.device }],
      ),
    );
    if (!embeddings) return finish('stop-signal');
    state = { round: 1, prepared, embeddingsPath: embeddings.embeddingsPath, labelled: 0, metrics: [], paused: view.paused };
  }
  const { prepared } = state;

  // 2. Select.
  if (!(await proceed())) return finish('stop-signal');
  const size = round === 1 ? config.selection.initial.size : config.selection.rounds.size;
  const method = round === 1 ? config.selection.initial.method : config.selection.rounds.method;
  enter('selecting', `${method}, ${batchSizeFor(size, state.labelled)} images`);
  const selection = await cpu.selectBatch.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: select ${method}` },
    [{ projectDir: prepared.projectDir, manifestPath: prepared.manifestPath, embeddingsPath: state.embeddingsPath, round, method, size, seed: config.selection.seed + round, labelledPath: state.labelledPath, labelBudget: config.stop.labelBudget, predictionsDir: state.lastPoolPredictions, score: config.selection.rounds.score, strength: config.selection.rounds.strength }],
  );
  if (selection.count === 0) {
    // Nothing to add: the budget is spent, the pool is empty, or an `nTotal` size is already reached.
    if (config.stop.labelBudget !== undefined && state.labelled >= config.stop.labelBudget) return finish('label-budget');
    return finish(selection.remainingPool > 0 ? 'size-reached' : 'pool-exhausted');
  }

  // 3. Annotate: export the batch, then wait, durably, for labels that pass validation.
  const exported = await cpu.exportBatch.executeWithOptions(
    { ...handOffOptions, summary: `round ${round}: export ${selection.count} images for annotation` },
    [{ projectDir: prepared.projectDir, round, selectionPath: selection.selectionPath, prelabelsDir: config.annotation.prelabels ? state.lastPoolPredictions : undefined, classes: config.annotation.classes }],
  );
  view.pendingBatch = { round, count: exported.count, exportDir: exported.exportDir, imageListPath: exported.imageListPath, selectionPath: selection.selectionPath, prelabels: exported.prelabels };
  enter('awaiting-annotation', `${exported.count} images in ${exported.exportDir}`);
  let imported: ImportResult | null = null;
  while (!imported) {
    await condition(() => submissions.length > 0 || view.stopRequested);
    if (view.stopRequested && submissions.length === 0) break;
    const { id, submission } = submissions.shift()!;
    enter('importing', `validating ${submission.labelsDir}`);
    const outcome = await cpu.importAnnotations.executeWithOptions(
      { ...handOffOptions, summary: `round ${round}: import labels from ${submission.labelsDir}` },
      [{ projectDir: prepared.projectDir, round, selectionPath: selection.selectionPath, labelsDir: submission.labelsDir, labelledPath: state.labelledPath, classes: config.annotation.classes }],
    );
    outcomes.set(id, outcome.ok ? outcome : notImported(outcome, SubmissionFailure.rejected, `round ${round} labels rejected: ${outcome.problemCount} problem(s) in ${submission.labelsDir}`));
    if (outcome.ok) {
      imported = outcome;
      view.annotationProblems = [];
      view.lastError = null;
    } else {
      view.annotationProblems = outcome.problems;
      view.lastError = `round ${round} labels rejected: ${outcome.problemCount} problem(s) in ${submission.labelsDir}`;
      enter('awaiting-annotation', `${exported.count} images in ${exported.exportDir} (last submission rejected)`);
    }
  }
  // Anything still queued is answered, so no update caller waits forever.
  for (const { id } of submissions.splice(0)) {
    const why = imported ? `round ${round} was already imported from another submission` : 'the loop stopped before this submission was imported';
    outcomes.set(id, notImported({ ok: false, problems: [why], problemCount: 1, labelledCount: imported?.labelledCount ?? view.labelled, boxes: 0 }, SubmissionFailure.notImported, why));
  }
  if (!imported) return finish('stop-signal');
  view.pendingBatch = null;
  view.labelled = imported.labelledCount;
  const labelledPath = imported.labelledPath!;

  // 4. Train on the GPU queue; round n>1 fine-tunes round n-1's weights.
  if (!(await proceed())) return finish('stop-signal');
  // The tao backend's settings ride along with train and infer inputs (absent for torch: inputs unchanged).
  const tao = config.trainer.backend === 'tao' && config.trainer.tao ? { tao: { projectDir: prepared.projectDir, settings: config.trainer.tao } } : {};
  // The trainer raises the epochs to reach minSteps (it alone knows the crops per image): say so where it shows.
  const minSteps = config.trainer.minSteps ? ` (at least ${config.trainer.minSteps} steps)` : '';
  const training = `${config.trainer.epochs} epoch${config.trainer.epochs === 1 ? '' : 's'}${minSteps} on ${view.labelled} images`;
  enter('training', training);
  // Nothing labelled is lost when training fails for good: the loop pauses on this round.
  const trained = await runOrPause(TRAINING_FAILURE_PAUSES, 'training', training, `round ${round} training`, 'train again from the last checkpoint', () =>
    gpu.trainRound.executeWithOptions(
      {
        ...gpuTrain,
        // Bounded: each retry resumes from the last checkpoint, so transient losses cost little, but a
        // trainer that crashes every time must not retry forever (docs/reliability.md).
        retry: { ...gpuTrain.retry, initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: trainAttempts },
        summary: `round ${round}: train ${training}`,
      },
      [{ projectDir: prepared.projectDir, round, labelledPath, epochs: config.trainer.epochs, minSteps: config.trainer.minSteps, checkpointInterval: config.trainer.checkpointInterval, device: config.trainer.device, seed: config.trainer.seed + round, initWeights: config.trainer.fineTune ? state.lastWeights : undefined, inputSize: config.trainer.inputSize, batchSize: config.trainer.batchSize, scale: config.trainer.scale, backbone: trainerBackbone, ...tao }],
    ),
  );
  if (!trained) return finish('stop-signal');
  view.training = null;
  view.lastError = null;
  const model = trained.weights;

  // 5. Evaluate on the fixed validation split.
  let latest: RoundMetrics | null = null;
  if (prepared.validationImagesDir && prepared.validationLabelsDir) {
    const evaluating = `${prepared.validationCount} validation images`;
    enter('evaluating', evaluating);
    const { validationImagesDir } = prepared;
    const valPredictions = await runOrPause(EMBED_INFER_FAILURE_PAUSES, 'evaluating', evaluating, `round ${round} inference on the validation images`, 'run it again', () =>
      gpu.inferImages.executeWithOptions(
        { ...gpuInfer, retry: embedInferRetry, summary: `round ${round}: infer on ${prepared.validationCount} validation images` },
        [{ model, imagesDir: validationImagesDir, outDir: layout.validationPredictions(prepared.projectDir, round), threshold: config.trainer.threshold, device: config.trainer.device, ...tao }],
      ),
    );
    if (!valPredictions) return finish('stop-signal', true);
    latest = await cpu.evaluateRound.executeWithOptions(
      { ...cpuWorkOptions, summary: `round ${round}: mAP on the validation split` },
      [{ projectDir: prepared.projectDir, round, gtLabelsDir: prepared.validationLabelsDir, predictionsDir: valPredictions.predictionsDir, labelled: view.labelled }],
    );
    view.metrics = [...view.metrics, latest];
    upsertSearchAttributes([{ key: PomonaMap50, value: latest.map50 }]);
    log.info('round evaluated', { round, labelled: view.labelled, map50: latest.map50, cocoAp: latest.cocoAp });
  }

  // 6. Stop?  (Checked before pool inference: a finished loop needs no pre-labels for a next batch.)
  const next: CarriedState = { ...state, round: round + 1, labelled: view.labelled, labelledPath, lastWeights: model, metrics: view.metrics, paused: view.paused };
  const reason = stopReasonAfterRound(config, { round, labelled: view.labelled }, latest, prepared.poolCount - view.labelled, view.stopRequested);
  if (reason) return finish(reason, true);

  // 7. Infer on the pool: the next selection's scores and the next batch's pre-labels.
  const inferring = `${prepared.poolCount} pool images`;
  enter('inferring', inferring);
  const poolPredictions = await runOrPause(EMBED_INFER_FAILURE_PAUSES, 'inferring', inferring, `round ${round} inference on the pool`, 'run it again', () =>
    gpu.inferImages.executeWithOptions(
      { ...gpuInfer, retry: embedInferRetry, summary: `round ${round}: infer on ${prepared.poolCount} pool images` },
      [{ model, imagesDir: prepared.poolImagesDir, outDir: layout.predictions(prepared.projectDir, round), threshold: config.trainer.threshold, device: config.trainer.device, ...tao }],
    ),
  );
  if (!poolPredictions) return finish('stop-signal', true);
  next.lastPoolPredictions = poolPredictions.predictionsDir;
  if (view.stopRequested) return finish('stop-signal', true);

  await condition(allHandlersFinished);
  return continueAsNew<typeof activeLearningLoop>(config, { ...next, paused: view.paused });
}

/** The innermost failure's type and message: what the operator can act on. */
function failureText(err: ActivityFailure): string {
  let cause: Error = err;
  while (cause.cause instanceof Error) cause = cause.cause;
  // Some servers send a timeout without a message: name it as the Temporal server does.
  if (cause instanceof TimeoutFailure && !cause.message) return `activity ${TIMEOUT_NAMES[String(cause.timeoutType)] ?? 'an unknown'} timeout`;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  return `${type}${cause.message}`;
}

const TIMEOUT_NAMES: Partial<Record<string, string>> = {
  START_TO_CLOSE: 'StartToClose',
  SCHEDULE_TO_START: 'ScheduleToStart',
  SCHEDULE_TO_CLOSE: 'ScheduleToClose',
  HEARTBEAT: 'Heartbeat',
};

/**
 * The config, validated once on the loop's first run (later runs get the parsed config back unchanged), by
 * the parseConfig local activity whose result history keeps, so no replay re-judges it with another
 * schema. Loops begun before the patch validate here, in workflow code, as they did.
 */
async function firstRunConfig(input: LoopConfigInput): Promise<LoopConfig> {
  if (!patched(CONFIG_PARSED_ONCE)) return validConfig(input);
  try {
    return await parseConfig(input);
  } catch (err) {
    // The loop fails with the activity's own InvalidConfig, as it did when workflow code judged it.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw err.cause;
    throw err;
  }
}

function validConfig(input: LoopConfigInput): LoopConfig {
  const parsed = parseLoopConfig(input);
  if (!parsed.ok) {
    throw ApplicationFailure.create({ type: ErrorType.InvalidConfig, message: `invalid loop config: ${parsed.problems.join('; ')}`, nonRetryable: true });
  }
  return parsed.config;
}

/** Rejects a submission that cannot belong to the batch being waited for (runs before history, for updates). */
function validateSubmission(view: LoopStatus, submission: AnnotationSubmission): void {
  // Non-retryable: the same payload would be refused again.
  const refuse = (message: string) => ApplicationFailure.create({ type: SubmissionFailure.invalid, message, nonRetryable: true });
  if (!submission || typeof submission !== 'object') throw refuse('payload must be {"round": N, "labelsDir": "/abs/path"}');
  if (typeof submission.labelsDir !== 'string' || !submission.labelsDir.startsWith('/')) {
    throw refuse('labelsDir must be an absolute path to a folder of KITTI label files');
  }
  if (!Number.isInteger(submission.round)) throw refuse('round must be an integer');
  const pending = view.pendingBatch;
  if (!pending) throw refuse(`no batch is waiting for annotation (phase: ${view.phase}, round ${view.round})`);
  if (submission.round !== pending.round) throw refuse(`the batch waiting for annotation is round ${pending.round}, not ${submission.round}`);
}
