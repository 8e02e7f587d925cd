// Messages of the activeLearningLoop workflow: what people (or the simulated annotator) send it and ask it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ImportResult,
  LabelStudioProgress,
  RoundMetrics,
  TrainingAttemptFailure,
  TrainingProgress,
} from '../activities/types';

/** Labels for the batch of `round`, as KITTI files (one `<image>.txt` per image) in `labelsDir`. */
export interface AnnotationSubmission {
  round: number;
  labelsDir: string;
}

export type LoopPhase =
  | 'preparing'
  | 'selecting'
  | 'awaiting-annotation'
  | 'importing'
  | 'training'
  | 'evaluating'
  | 'inferring'
  | 'completed'
  | 'stopped';

/** size-reached: a `rounds.size.nTotal` already met, so there is nothing more to select. */
export type StopReason =
  'target-map' | 'label-budget' | 'max-rounds' | 'pool-exhausted' | 'size-reached' | 'stop-signal';

/** What the loop returns when it ends: its contract with clients (`handle.result()`). */
export interface LoopResult {
  project: string;
  rounds: number;
  labelled: number;
  metrics: RoundMetrics[];
  stopReason: StopReason;
}

export interface PendingBatch {
  round: number;
  count: number;
  exportDir: string;
  imageListPath: string;
  selectionPath: string;
  prelabels: boolean;
  /** Set when the batch is labelled in Label Studio (annotation.tool "label-studio"). */
  labelStudio?: LabelStudioBatchStatus;
}

export interface LabelStudioBatchStatus {
  /** The Label Studio server (annotation.labelStudio.url). */
  url: string;
  /** Null until the hand-off has made the tasks. */
  projectId: number | null;
  projectUrl: string | null;
  /** The tasks by state at the last read-back; null before the first. */
  progress: LabelStudioProgress | null;
  /** Whether Label Studio calls pomona's webhook receiver on each annotation (else polling alone). */
  webhook: boolean;
}

export interface LoopStatus {
  project: string;
  phase: LoopPhase;
  round: number;
  paused: boolean;
  stopRequested: boolean;
  labelled: number;
  /** Boxes per class of the labelled set (class imbalance); absent before the first import counted them. */
  labelledBoxesByClass?: Record<string, number>;
  pool: number;
  validation: number;
  manifestPath: string | null;
  pendingBatch: PendingBatch | null;
  /** Rejected submissions for the pending batch: the reasons, `file:line: message`. */
  annotationProblems: string[];
  /**
   * Set only by training activities of earlier versions (the trainingProgress signal). Progress now lives in
   * the pending trainRound's heartbeat details (`temporal workflow describe`, `pomona status`): null here.
   */
  training: TrainingProgress | null;
  metrics: RoundMetrics[];
  lastError: string | null;
  stopReason: StopReason | null;
}

/**
 * Answers an accepted import's result. Fails (nonRetryable ApplicationFailure) when the submission is refused
 * or not imported, with one of the types below, so `temporal workflow update execute` exits non-zero.
 */
export const submitAnnotations = defineUpdate<ImportResult, [AnnotationSubmission]>('submitAnnotations');

/** Why a submission was not imported: the type of the update's (or the ignored signal's) failure. */
export const SubmissionFailure = {
  /** Refused before it entered history: malformed payload, relative path, wrong round, no batch waiting. */
  invalid: 'InvalidSubmission',
  /** Validated and rejected: the labels have problems (details[0]: `{ problems, problemCount }`). */
  rejected: 'AnnotationsRejected',
  /** Queued but never imported: another submission was imported first, or the loop stopped. */
  notImported: 'SubmissionNotImported',
} as const;

/** details[0] of an `AnnotationsRejected` failure. */
export interface RejectedAnnotations {
  problems: string[];
  problemCount: number;
}
/** Same payload as the update, for the plain `temporal workflow signal`; the outcome shows in `status`. */
export const annotationsSubmitted = defineSignal<[AnnotationSubmission]>('annotationsSubmitted');
/**
 * Label Studio's annotations changed (sent by `pomona label-studio webhooks` on its webhooks): read the batch
 * back now instead of at the next poll. The payload is informational; the read-back is the truth.
 */
export const labelStudioChanged = defineSignal<[LabelStudioChange?]>('labelStudioChanged');
export interface LabelStudioChange {
  action?: string;
  taskId?: number;
}
/** Import what is annotated in Label Studio now; the batch's other images return to the pool. */
export const takeAnnotated = defineSignal<[{ round: number }]>('takeAnnotated');
export const stop = defineSignal('stop');
export const pause = defineSignal('pause');
export const resume = defineSignal('resume');
/**
 * Sent by training activities of earlier versions once per epoch; kept so their histories still replay.
 * Progress now travels in the activity's heartbeat details (no history events), read by `pomona status`.
 */
export const trainingProgress = defineSignal<[TrainingProgress]>('trainingProgress');
/**
 * Sent by training activities of earlier versions when an attempt failed; kept for loops that still meet such
 * a worker. A failed attempt now reaches `pomona status` as the pending activity's lastFailure, which also
 * covers a lost worker (cli/commands/status.ts).
 */
export const trainingAttemptFailed = defineSignal<[TrainingAttemptFailure]>('trainingAttemptFailed');
export const status = defineQuery<LoopStatus>('status');
