// Inputs and results of pomona's activities: paths and small summaries only, never images, embeddings
// or weights (Temporal payloads stay small). Pure types, shared by workflow code and activities.
import type { EmbeddingMethod, SelectionMethod, SelectionSize, TrainerBackbone } from '../core/config/loop-config';
import type { DatasetLayout } from '../core/dataset/ingest';
import type { ScoreName } from '../core/scores/detection';
import type { TaoSettings } from '../core/tao/settings';

export interface PreparedProject {
  projectDir: string;
  manifestPath: string;
  layout: DatasetLayout;
  /** Folder of links to the selectable images (everything but the validation split). */
  poolImagesDir: string;
  poolCount: number;
  /** Validation images and their ground truth; absent when the dataset has no labels to evaluate on. */
  validationImagesDir?: string;
  validationLabelsDir?: string;
  validationCount: number;
  /** Dataset problems found while ingesting (first few lines; the full list is in the manifest). */
  problems: string[];
}

export interface PromoteValidationInput {
  prepared: PreparedProject;
  /** The validation batch's import (rounds/0/labelled.json). */
  labelledPath: string;
}

export interface SelectBatchInput {
  projectDir: string;
  manifestPath: string;
  embeddingsPath: string;
  round: number;
  method: SelectionMethod;
  size: SelectionSize;
  seed: number;
  /** Labelled set so far (absent in round 1). */
  labelledPath?: string;
  /** Never label more than this many images in total. */
  labelBudget?: number;
  /** CORAL: the last model's predictions on the pool, and which score of them weighs each image. */
  predictionsDir?: string;
  score?: ScoreName;
  strength?: number;
  /** Select among the pool images LightlyStudio's deduplication keeps at this distance. */
  deduplicate?: { minDistance: number };
}

export interface SelectionSummary {
  round: number;
  method: SelectionMethod;
  selectionPath: string;
  count: number;
  labelledBefore: number;
  remainingPool: number;
}

export interface ExportBatchInput {
  projectDir: string;
  round: number;
  selectionPath: string;
  /** Predictions of the previous round's model on the pool, offered as pre-labels. */
  prelabelsDir?: string;
  /** The loop's `annotation.classes`, named in the batch's README.txt (absent for loops begun before: `apple`). */
  classes?: string[];
}

export interface ExportedBatch {
  round: number;
  exportDir: string;
  imageListPath: string;
  count: number;
  prelabels: boolean;
}

export interface ImportAnnotationsInput {
  projectDir: string;
  round: number;
  selectionPath: string;
  labelsDir: string;
  labelledPath?: string;
  /** The class names labels may use (`annotation.classes`); any class when absent (loops started before the list existed). */
  classes?: string[];
  /** The batch images these labels are for (default: the whole selection); the others return to the pool. */
  images?: string[];
}

/** Where a loop's Label Studio project lives (annotation.labelStudio, with the default title filled in). */
export interface LabelStudioTarget {
  url: string;
  /** A title (found, or created once) or the id of an existing project. */
  project: string | number;
  /** The server's local-files document root: the exported images must lie under it. */
  filesRoot: string;
}

export interface LabelStudioHandOffInput {
  projectDir: string;
  round: number;
  selectionPath: string;
  /** The exported batch (exportBatch): images/ with the links, prelabels/ with the kept boxes. */
  exportDir: string;
  classes: string[];
  labelStudio: LabelStudioTarget;
}

/** A batch as tasks in a Label Studio project. */
export interface LabelStudioBatch {
  projectId: number;
  /** The project's page, for people: where to label. */
  projectUrl: string;
  tasks: number;
  /** Whether a webhook to pomona's receiver is registered (the worker's environment names the receiver). */
  webhook: boolean;
}

export interface CollectLabelStudioInput {
  projectDir: string;
  round: number;
  selectionPath: string;
  labelledPath?: string;
  classes: string[];
  labelStudio: LabelStudioTarget;
  projectId: number;
  /** Import what is annotated now; the batch's other images return to the pool. */
  takeAnnotated: boolean;
}

/** A batch's tasks by state: annotated, skipped (their images return to the pool), still to do. */
export interface LabelStudioProgress {
  total: number;
  annotated: number;
  skipped: number;
  pending: number;
}

export interface CollectedAnnotations {
  progress: LabelStudioProgress;
  /** The import, once every task is annotated or skipped (or takeAnnotated); null while people work. */
  imported: ImportResult | null;
}

export interface ImportResult {
  ok: boolean;
  /** Every problem as `file:line: message` (capped; `problemCount` has the total). */
  problems: string[];
  problemCount: number;
  labelledPath?: string;
  labelledCount: number;
  boxes: number;
  /** Boxes per class of the whole labelled set after this import (absent before it was counted). */
  boxesByClass?: Record<string, number>;
}

export interface EmbedInput {
  projectDir: string;
  poolImagesDir: string;
  /** `embed --features`; absent in inputs recorded before the field existed, which meant scene statistics. */
  method?: EmbeddingMethod;
  epochs: number;
  dim: number;
  seed: number;
  device: 'auto' | 'cpu' | 'cuda';
}

export interface EmbeddingsSummary {
  embeddingsPath: string;
  count: number;
  dim: number;
  seconds: number;
}

export interface TrainInput {
  projectDir: string;
  round: number;
  labelledPath: string;
  epochs: number;
  /** Train at least this many optimiser steps (more epochs for small labelled sets). */
  minSteps?: number;
  checkpointInterval: number;
  device: 'auto' | 'cpu' | 'cuda';
  seed: number;
  initWeights?: string;
  inputSize?: string;
  batchSize?: number;
  /** `train --scale` (torch backend); the trainer default (native pixels) when absent. */
  scale?: number;
  /** `train --backbone` (torch backend; TAO ignores it); the trainer default when absent. */
  backbone?: TrainerBackbone;
  /** `train --classes` (annotation.classes, in output order; torch backend); absent in inputs recorded before several classes. */
  classes?: string[];
  /** Present when the loop trains with NVIDIA TLT/TAO (trainer.backend "tao"). */
  tao?: TaoJob;
}

/** What the tao backend needs beyond the torch trainer's inputs (no secrets: the key is the worker's). */
export interface TaoJob {
  projectDir: string;
  settings: TaoSettings;
}

export interface TrainingProgress {
  round: number;
  epoch: number;
  epochs: number;
  loss: number | null;
  checkpoint: string | null;
}

/**
 * What `trainRound` heartbeats: the newest trainer event, plus the progress of the last finished epoch.
 * The SDK sends only the newest details at each throttle interval, which is mostly a step event, so the
 * finished-epoch progress rides along in every one (`pomona status` reads it from the pending activity).
 */
export type TrainHeartbeat = Record<string, unknown> & { round: number; progress: TrainingProgress | null };

/** One failed attempt of `trainRound` (the attempt number is Temporal's, 1-based). */
export interface TrainingAttemptFailure {
  round: number;
  attempt: number;
  message: string;
  /** False for a non-retryable failure (the trainer refused its input): no retry follows. */
  retryable?: boolean;
}

export interface TrainResult {
  weights: string;
  epochs: number;
  loss: number | null;
  seconds: number;
  resumedFromEpoch: number;
}

export interface InferInput {
  model: string;
  imagesDir: string;
  outDir: string;
  threshold: number;
  /** torch: average over the training flips (`infer --tta`); absent: one pass. */
  tta?: boolean;
  /** torch: multi-scale test factors (`infer --scales`); absent: one scale. */
  scales?: number[];
  device: 'auto' | 'cpu' | 'cuda';
  /** Present when the model was trained by the tao backend. */
  tao?: TaoJob;
}

export interface InferResult {
  predictionsDir: string;
  images: number;
  seconds: number;
}

/** Pool inference in shards (`shards.images`): the pool's images cut into lists of `shardImages`. */
export interface ShardPlanInput {
  imagesDir: string;
  /** The fan-out's folder: `plan.json`, and per shard `<k>/images.txt`, its links and its predictions. */
  shardsDir: string;
  shardImages: number;
}

export interface ShardPlan {
  shardsDir: string;
  imagesDir: string;
  images: number;
  shardImages: number;
  shards: number;
}

/** One shard's inference: `infer` as for the whole folder, of which only shard `shard`'s images are run. */
export interface InferShardInput {
  infer: InferInput;
  shardsDir: string;
  shard: number;
}

export interface ShardResult {
  shard: number;
  images: number;
  seconds: number;
  /** Its predictions were complete already (an earlier attempt or run): nothing was inferred again. */
  reused: boolean;
}

/** One shard of the pool's embedding: its images' feature blocks (`embed --blocks-out`). */
export interface EmbedShardInput {
  embed: EmbedInput;
  shardsDir: string;
  shard: number;
}

/** The shards' feature blocks whitened together into the pool's embeddings CSV (`embed --from-blocks`). */
export interface MergeEmbeddingShardsInput {
  embed: EmbedInput;
  shardsDir: string;
  shards: number;
}

/** The shards' predictions, one file per image, into `outDir` as one inference of the whole folder writes them. */
export interface MergeShardsInput {
  shardsDir: string;
  shards: number;
  outDir: string;
}

export interface EvaluateInput {
  projectDir: string;
  round: number;
  gtLabelsDir: string;
  predictionsDir: string;
  labelled: number;
}

export interface RoundMetrics {
  round: number;
  labelled: number;
  map50: number;
  cocoAp: number;
  metricsPath: string;
  /** AP@0.5 of each class of the validation set, when it has more than one (absent before several classes). */
  ap50ByClass?: Record<string, number>;
}

export interface LightlyPushInput {
  projectDir: string;
  /** The round whose files are new (for logs and the Web UI's summary; the push reads the whole project). */
  round: number;
}

/** What integrations/lightly-studio prints after a push (one JSON line): counts, no images, no vectors. */
export interface LightlyPushSummary {
  dbFile: string;
  dataset: string;
  images: number;
  imagesAdded: number;
  embeddingsInCsv: number;
  /** Boxes added per annotation source; images per tag. */
  boxesAdded: Record<string, number>;
  tags: Record<string, number>;
  /**
   * Per tag, its images the dataset does not hold, left untagged: only round 0's validation batch, whose
   * images left the pool before the dataset was made (core/lightly-studio/push-plan.ts, `skipAbsent`).
   */
  tagsAbsent: Record<string, number>;
  /** LightlyStudio's own work, without starting its Python (about 7 s of imports). */
  seconds: number;
}

/** One push into <project>/lightly-studio/dataset.db, as the loop records it; `seconds`: the whole push. */
export type LightlyPushResult = Omit<LightlyPushSummary, 'embeddingsInCsv'>;
