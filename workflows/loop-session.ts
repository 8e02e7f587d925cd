// One run of the loop as people see and steer it: the status it answers, its message handlers (pause,
// resume, stop, the annotation update and signal), the queue of submissions, and the helpers the steps use
// to show where the loop is, wait while it is paused, pause on a failed GPU step, and finish.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { ImportResult } from '../activities/types';
import { DEFAULT_TRAIN_ATTEMPTS, type LoopConfig } from '../core/config/loop-config';
import type { CarriedState } from './loop-state';
import {
  annotationsSubmitted,
  labelStudioChanged,
  pause,
  resume,
  status,
  stop,
  submitAnnotations,
  takeAnnotated,
  trainingAttemptFailed,
  trainingProgress,
  SubmissionFailure,
  type AnnotationSubmission,
  type LoopPhase,
  type LoopResult,
  type LoopStatus,
  type RejectedAnnotations,
  type StopReason,
} from './messages';
import { EMBED_INFER_FAILURE_PAUSES, SUBMISSION_REJECTION_FAILS_UPDATE, TRAINING_FAILURE_PAUSES } from './patches';
import { PomonaPhase, PomonaProject, PomonaRound } from './search-attributes';

type PausingPatch = typeof TRAINING_FAILURE_PAUSES | typeof EMBED_INFER_FAILURE_PAUSES;

/** A GPU step that pauses the loop when its attempts are spent (`runOrPause`). */
export interface PausingStep<T> {
  /** Loops that began before the pause existed fail as they did. */
  patch: PausingPatch;
  phase: LoopPhase;
  /** The phase's details while it runs. */
  details: string;
  /** What failed, for `status.lastError`: "round 2 training". */
  what: string;
  /** What `resume` does then: "train again from the last checkpoint". */
  again: string;
  run: () => Promise<T>;
}

export class LoopSession {
  readonly view: LoopStatus;
  readonly round: number;
  /** Submissions from the update and the signal share one queue; the loop imports them in order. */
  private readonly submissions: { id: number; submission: AnnotationSubmission }[] = [];
  private readonly outcomes = new Map<number, ImportResult | ApplicationFailure>();
  private nextSubmissionId = 0;
  /** Label Studio's webhook said something changed: read the batch back before the next poll is due. */
  labelStudioNudged = false;
  /** The round whose Label Studio annotations the operator takes as they are (`takeAnnotated`). */
  takeAnnotatedRound: number | null = null;

  constructor(
    private readonly config: LoopConfig,
    carried: CarriedState | undefined,
  ) {
    this.round = carried?.round ?? 1;
    this.view = initialView(config.project, carried);
    this.handleMessages();
  }

  private handleMessages(): void {
    const view = this.view;
    setHandler(status, () => view);
    setHandler(stop, () => void (view.stopRequested = true));
    setHandler(pause, () => void (view.paused = true));
    setHandler(resume, () => void (view.paused = false));
    setHandler(trainingProgress, (progress) => {
      if (view.phase === 'training' && progress.round === view.round) view.training = progress;
    });
    setHandler(trainingAttemptFailed, (failure) => {
      if (view.phase !== 'training' || failure.round !== view.round) return;
      const attempts = this.config.trainer.maxAttempts ?? DEFAULT_TRAIN_ATTEMPTS;
      const left = attempts - failure.attempt;
      const retry =
        left > 0 && failure.retryable !== false
          ? `; Temporal retries it from the last checkpoint (${left} attempt(s) left)`
          : '';
      view.lastError = `round ${failure.round} training attempt ${failure.attempt} of ${attempts} failed: ${failure.message}${retry}`;
    });
    setHandler(
      submitAnnotations,
      async (submission) => {
        const id = this.queue(submission);
        await condition(() => this.outcomes.has(id));
        const outcome = this.outcomes.get(id)!;
        this.outcomes.delete(id);
        if (outcome instanceof ApplicationFailure) throw outcome;
        return outcome;
      },
      { validator: (submission: AnnotationSubmission) => validateSubmission(view, submission) },
    );
    setHandler(labelStudioChanged, () => void (this.labelStudioNudged = true));
    setHandler(takeAnnotated, (request) => {
      const batch = view.pendingBatch;
      if (batch?.labelStudio && request?.round === batch.round) this.takeAnnotatedRound = batch.round;
      else
        view.lastError = batch?.labelStudio
          ? `takeAnnotated ignored: the batch in Label Studio is round ${batch.round}, not ${request?.round}`
          : 'takeAnnotated ignored: no batch is waiting in Label Studio';
    });
    setHandler(annotationsSubmitted, (submission) => {
      try {
        validateSubmission(view, submission);
        this.queue(submission);
      } catch (err) {
        view.lastError = `annotationsSubmitted ignored: ${(err as Error).message}`;
        // The problems shown belong to an earlier submission; beside this error they would read as its own.
        view.annotationProblems = [];
      }
    });
  }

  private queue(submission: AnnotationSubmission): number {
    const id = this.nextSubmissionId++;
    this.submissions.push({ id, submission });
    return id;
  }

  /** Shows the phase in `status`, the Web UI's current details and the search attributes. */
  enter(phase: LoopPhase, details: string): void {
    this.view.phase = phase;
    setCurrentDetails(`**${this.config.project}** round ${this.view.round}: ${details}`);
    upsertSearchAttributes([
      { key: PomonaProject, value: this.config.project },
      { key: PomonaPhase, value: phase },
      { key: PomonaRound, value: this.view.round },
    ]);
  }

  /** Waits while paused; returns false when a stop was requested meanwhile. */
  async proceed(): Promise<boolean> {
    await condition(() => !this.view.paused || this.view.stopRequested);
    return !this.view.stopRequested;
  }

  /** The next queued submission, once there is one; null when a stop comes first. */
  async nextSubmission(): Promise<{ id: number; submission: AnnotationSubmission } | null> {
    await condition(() => this.submissions.length > 0 || this.view.stopRequested);
    return this.submissions.shift() ?? null;
  }

  /** Answers the update that sent submission `id` (a signal's submission has no caller waiting). */
  answer(id: number, outcome: ImportResult | ApplicationFailure): void {
    this.outcomes.set(id, outcome);
  }

  /** Answers everything still queued, so no update caller waits forever. */
  answerQueued(imported: ImportResult | null): void {
    const why = imported
      ? `round ${this.round} was already imported from another submission`
      : 'the loop stopped before this submission was imported';
    for (const { id } of this.submissions.splice(0)) {
      const result: ImportResult = {
        ok: false,
        problems: [why],
        problemCount: 1,
        labelledCount: imported?.labelledCount ?? this.view.labelled,
        boxes: 0,
      };
      this.answer(id, notImported(result, SubmissionFailure.notImported, why));
    }
  }

  /**
   * Runs a GPU step (training, the embedding, an inference) whose Temporal retries are bounded. When its
   * attempts are spent the loop pauses on it, with the reason in `status.lastError` and everything labelled
   * kept, and `resume` runs it again with fresh attempts. Returns null when a stop arrives while paused.
   */
  async runOrPause<T>(step: PausingStep<T>): Promise<T | null> {
    let failed = false;
    for (;;) {
      try {
        const result = await step.run();
        if (failed) this.view.lastError = null;
        return result;
      } catch (err) {
        // Cancellation ends the loop as before.
        if (!(err instanceof ActivityFailure) || isCancellation(err) || !patched(step.patch)) throw err;
        failed = true;
        this.view.lastError =
          `${step.what} failed (${failureText(err)}); ` +
          `the loop is paused: fix the cause, then send resume to ${step.again}, or stop`;
        this.view.paused = true;
        this.enter(step.phase, `${step.what} failed; paused until resume`);
        if (!(await this.proceed())) return null;
        this.enter(step.phase, step.details);
      }
    }
  }

  /** Ends the loop; `rounds` counts trained rounds (also for datasets without a validation split). */
  /**
   * The state the next run starts from: this run's, one round on, with the counts the view holds (labelled,
   * boxes per class, metrics, paused: the view is their one place while a run lasts) and the round's files.
   */
  carry(
    state: CarriedState,
    files: Required<Pick<CarriedState, 'labelledPath' | 'lastWeights' | 'lastPoolPredictions'>>,
  ): CarriedState {
    const { labelled, labelledBoxesByClass, metrics, paused } = this.view;
    return {
      ...state,
      round: this.round + 1,
      labelled,
      ...(labelledBoxesByClass ? { labelledBoxesByClass } : {}),
      labelledPath: files.labelledPath,
      lastWeights: files.lastWeights,
      metrics,
      lastPoolPredictions: files.lastPoolPredictions,
      paused,
    };
  }

  async finish(reason: StopReason, trainedThisRun = false): Promise<LoopResult> {
    this.view.stopReason = reason;
    // A finished loop waits for no labels: nothing to show as pending or rejected.
    this.view.pendingBatch = null;
    this.view.annotationProblems = [];
    this.enter(reason === 'stop-signal' ? 'stopped' : 'completed', `finished: ${reason}`);
    await condition(allHandlersFinished);
    const rounds = this.round - 1 + (trainedThisRun ? 1 : 0);
    return {
      project: this.config.project,
      rounds,
      labelled: this.view.labelled,
      metrics: this.view.metrics,
      stopReason: reason,
    };
  }
}

/**
 * What the update answers for a submission that was not imported: a failure, so the caller (and the CLI's
 * exit code) cannot take it for an import (the ok: false result's counts described the loop, not the
 * submission). Replaying a history from a worker before the patch keeps its ok: false answers.
 */
export function notImported(result: ImportResult, type: string, message: string): ImportResult | ApplicationFailure {
  if (!patched(SUBMISSION_REJECTION_FAILS_UPDATE)) return result;
  const details: RejectedAnnotations = { problems: result.problems, problemCount: result.problemCount };
  const shown =
    result.problems.slice(0, 5).join('; ') + (result.problemCount > 5 ? `; ... (${result.problemCount} in all)` : '');
  return ApplicationFailure.create({
    type,
    message: type === SubmissionFailure.rejected ? `${message}: ${shown}` : message,
    details: [details],
    nonRetryable: true,
  });
}

/** Rejects a submission that cannot belong to the batch being waited for (runs before history, for updates). */
function validateSubmission(view: LoopStatus, submission: AnnotationSubmission): void {
  // Non-retryable: the same payload would be refused again.
  const refuse = (message: string) =>
    ApplicationFailure.create({ type: SubmissionFailure.invalid, message, nonRetryable: true });
  if (!submission || typeof submission !== 'object')
    throw refuse('payload must be {"round": N, "labelsDir": "/abs/path"}');
  if (typeof submission.labelsDir !== 'string' || !submission.labelsDir.startsWith('/')) {
    throw refuse('labelsDir must be an absolute path to a folder of labels (KITTI, YOLO, Pascal VOC or COCO)');
  }
  if (!Number.isInteger(submission.round)) throw refuse('round must be an integer');
  const pending = view.pendingBatch;
  if (!pending) throw refuse(`no batch is waiting for annotation (phase: ${view.phase}, round ${view.round})`);
  if (pending.labelStudio)
    throw refuse(
      `round ${pending.round} is labelled in Label Studio (${pending.labelStudio.projectUrl ?? 'project not made yet'}): ` +
        'annotate there, or send takeAnnotated to import what is done',
    );
  if (submission.round !== pending.round)
    throw refuse(`the batch waiting for annotation is round ${pending.round}, not ${submission.round}`);
}

/** The innermost failure's type and message: what the operator can act on. */
export function failureText(err: ActivityFailure): string {
  let cause: Error = err;
  while (cause.cause instanceof Error) cause = cause.cause;
  // Some servers send a timeout without a message: name it as the Temporal server does.
  if (cause instanceof TimeoutFailure && !cause.message)
    return `activity ${TIMEOUT_NAMES[String(cause.timeoutType)] ?? 'an unknown'} timeout`;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  return `${type}${cause.message}`;
}

const TIMEOUT_NAMES: Partial<Record<string, string>> = {
  START_TO_CLOSE: 'StartToClose',
  SCHEDULE_TO_START: 'ScheduleToStart',
  SCHEDULE_TO_CLOSE: 'ScheduleToClose',
  HEARTBEAT: 'Heartbeat',
};

/** What `status` shows when a run starts: the carried counts, or a new loop preparing. */
export function initialView(project: string, carried: CarriedState | undefined): LoopStatus {
  return {
    project,
    phase: 'preparing',
    round: carried?.round ?? 1,
    paused: carried?.paused ?? false,
    stopRequested: false,
    labelled: carried?.labelled ?? 0,
    ...(carried?.labelledBoxesByClass ? { labelledBoxesByClass: carried.labelledBoxesByClass } : {}),
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
}
