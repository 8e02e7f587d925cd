// The loop's activities as workflow code calls them: proxies with their timeouts and retry policies, and
// the inputs each step sends, built from the config and the carried state (paths and summaries only).
import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type * as cpuActivities from '../activities/cpu';
import type { GpuActivities } from '../activities/gpu';
import type {
  CollectLabelStudioInput,
  EmbedInput,
  ExportBatchInput,
  ImportAnnotationsInput,
  InferInput,
  LabelStudioHandOffInput,
  LabelStudioTarget,
  PreparedProject,
  SelectBatchInput,
  TaoJob,
  TrainInput,
} from '../activities/types';
import { DEFAULT_EMBED_INFER_ATTEMPTS, DEFAULT_TRAIN_ATTEMPTS, type LoopConfig } from '../core/config/loop-config';
import { NON_RETRYABLE_ERRORS } from '../core/errors';
import type { CarriedState } from './loop-state';
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
export const cpu = proxyActivities<typeof cpuActivities>(cpuOptions);
// Parsing the config is pure and quick: a local activity on the workflow's own worker, recorded in history.
export const { parseConfig } = proxyLocalActivities<typeof cpuActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
});
export const cpuWorkOptions: ActivityOptions = { ...cpuOptions, heartbeatTimeout: '5m' };
// The annotation hand-off (export, import) only copies and validates files: a minute.
export const handOffOptions: ActivityOptions = { ...cpuOptions, heartbeatTimeout: '1m' };
// Label Studio calls: a few quick attempts, then the loop shows the failure and tries again at its next poll,
// so an outage of any length neither fails the loop nor hides it behind an activity that retries forever.
export const labelStudioOptions: ActivityOptions = {
  ...handOffOptions,
  startToCloseTimeout: '10m',
  retry: { ...cpuOptions.retry, maximumInterval: '10s', maximumAttempts: 3 },
};

// A push into LightlyStudio (`lightly.enabled`) takes seconds to minutes (LightlyStudio's import alone is about
// 7 s); three attempts, then the loop goes on and shows the failure (loop-steps.ts, pushToLightly).
export const lightlyPushOptions: ActivityOptions = {
  ...cpuOptions,
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { ...cpuOptions.retry, initialInterval: '5s', maximumInterval: '30s', maximumAttempts: 3 },
};

/** The GPU queue's activities and their options, which depend on the loop's config. */
export function gpuActivities(config: LoopConfig) {
  const train = gpuOptions(config, config.timeouts.train);
  const infer = gpuOptions(config, config.timeouts.infer);
  // Bounded like training (a trainer that fails every time must not retry forever, invisibly).
  const embedInferRetry = {
    ...train.retry,
    maximumAttempts: config.trainer.maxEmbedInferAttempts ?? DEFAULT_EMBED_INFER_ATTEMPTS,
  };
  // Bounded: each retry resumes from the last checkpoint, so transient losses cost little, but a trainer
  // that crashes every time must not retry forever (docs/reliability.md). Loops started before
  // `maxAttempts` existed carry a config without it.
  const trainOptions: ActivityOptions = {
    ...train,
    retry: {
      ...train.retry,
      initialInterval: '10s',
      backoffCoefficient: 2,
      maximumAttempts: config.trainer.maxAttempts ?? DEFAULT_TRAIN_ATTEMPTS,
    },
  };
  const embedOptions: ActivityOptions = { ...train, retry: embedInferRetry };
  const inferOptions: ActivityOptions = { ...infer, retry: embedInferRetry };
  return { gpu: proxyActivities<GpuActivities>(train), embedOptions, trainOptions, inferOptions };
}

function gpuOptions(config: LoopConfig, startToCloseTimeout: string): ActivityOptions {
  return {
    taskQueue: GPU_TASK_QUEUE,
    // The schema admits only ms-style durations ("90s", "2h"), which is what Duration's string form is.
    startToCloseTimeout: startToCloseTimeout as Duration,
    heartbeatTimeout: config.timeouts.heartbeat as Duration,
    retry: { initialInterval: '5s', maximumInterval: '5m', nonRetryableErrorTypes: NON_RETRYABLE_ERRORS },
  };
}

export function embedInput(config: LoopConfig, prepared: PreparedProject): EmbedInput {
  const { method, epochs, dim } = config.embedding;
  return {
    projectDir: prepared.projectDir,
    poolImagesDir: prepared.poolImagesDir,
    method,
    epochs,
    dim,
    seed: config.selection.seed,
    device: config.trainer.device,
  };
}

export function selectInput(config: LoopConfig, state: CarriedState, round: number): SelectBatchInput {
  const { initial, rounds, seed } = config.selection;
  const { projectDir, manifestPath } = state.prepared;
  return {
    projectDir,
    manifestPath,
    embeddingsPath: state.embeddingsPath,
    round,
    method: round === 1 ? initial.method : rounds.method,
    size: round === 1 ? initial.size : rounds.size,
    seed: seed + round,
    labelledPath: state.labelledPath,
    labelBudget: config.stop.labelBudget,
    predictionsDir: state.lastPoolPredictions,
    score: rounds.score,
    strength: rounds.strength,
    // absent from configs recorded before it: the input of their selections stays as it was
    ...(config.selection.deduplicate ? { deduplicate: config.selection.deduplicate } : {}),
  };
}

/** Round 0's batch: random, seeded, from the whole pool; nothing is labelled yet. */
export function validationSelectInput(config: LoopConfig, state: CarriedState): SelectBatchInput {
  const { projectDir, manifestPath } = state.prepared;
  return {
    projectDir,
    manifestPath,
    embeddingsPath: state.embeddingsPath,
    round: 0,
    method: 'RANDOM',
    size: { batchSize: config.dataset.validation.annotate ?? 0 },
    seed: config.selection.seed,
  };
}

export function exportInput(
  config: LoopConfig,
  state: CarriedState,
  round: number,
  selectionPath: string,
): ExportBatchInput {
  const prelabelsDir = config.annotation.prelabels ? state.lastPoolPredictions : undefined;
  return {
    projectDir: state.prepared.projectDir,
    round,
    selectionPath,
    prelabelsDir,
    classes: config.annotation.classes,
  };
}

export function importInput(
  config: LoopConfig,
  state: CarriedState,
  round: number,
  selectionPath: string,
  labelsDir: string,
): ImportAnnotationsInput {
  return {
    projectDir: state.prepared.projectDir,
    round,
    selectionPath,
    labelsDir,
    labelledPath: state.labelledPath,
    classes: config.annotation.classes,
  };
}

/** The loop's Label Studio project; a loop without a title gets "pomona <project>". */
export function labelStudioTarget(config: LoopConfig): LabelStudioTarget {
  const { url, project, filesRoot } = config.annotation.labelStudio;
  return { url, project: project ?? `pomona ${config.project}`, filesRoot };
}

export function labelStudioHandOffInput(
  config: LoopConfig,
  state: CarriedState,
  round: number,
  selectionPath: string,
  exportDir: string,
): LabelStudioHandOffInput {
  return {
    projectDir: state.prepared.projectDir,
    round,
    selectionPath,
    exportDir,
    classes: config.annotation.classes,
    labelStudio: labelStudioTarget(config),
  };
}

export function collectLabelStudioInput(
  config: LoopConfig,
  state: CarriedState,
  round: number,
  selectionPath: string,
  projectId: number,
  takeAnnotated: boolean,
): CollectLabelStudioInput {
  return {
    projectDir: state.prepared.projectDir,
    round,
    selectionPath,
    labelledPath: state.labelledPath,
    classes: config.annotation.classes,
    labelStudio: labelStudioTarget(config),
    projectId,
    takeAnnotated,
  };
}

/** The tao backend's settings ride along with train and infer inputs (absent for torch: inputs unchanged). */
function taoJob(config: LoopConfig, prepared: PreparedProject): { tao?: TaoJob } {
  return config.trainer.backend === 'tao' && config.trainer.tao
    ? { tao: { projectDir: prepared.projectDir, settings: config.trainer.tao } }
    : {};
}

export function trainInput(config: LoopConfig, state: CarriedState, round: number, labelledPath: string): TrainInput {
  const t = config.trainer;
  return {
    projectDir: state.prepared.projectDir,
    round,
    labelledPath,
    epochs: t.epochs,
    minSteps: t.minSteps,
    checkpointInterval: t.checkpointInterval,
    device: t.device,
    seed: t.seed + round,
    initWeights: t.fineTune ? state.lastWeights : undefined,
    inputSize: t.inputSize,
    batchSize: t.batchSize,
    scale: t.scale,
    // Loops started before `trainer.backbone` existed trained the scratch network, and fine-tune from it.
    backbone: t.backbone ?? 'scratch',
    classes: config.annotation.classes,
    ...taoJob(config, state.prepared),
  };
}

export function inferInput(
  config: LoopConfig,
  prepared: PreparedProject,
  model: string,
  imagesDir: string,
  outDir: string,
): InferInput {
  return {
    model,
    imagesDir,
    outDir,
    threshold: config.trainer.threshold,
    // absent unless set, so the inputs of loops that do not use them stay as they were
    ...(config.trainer.tta ? { tta: true } : {}),
    ...(config.trainer.inferScales ? { scales: config.trainer.inferScales } : {}),
    device: config.trainer.device,
    ...taoJob(config, prepared),
  };
}
