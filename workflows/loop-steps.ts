// The steps of one round, in the order DESIGN gives them; each runs its activities and shows its phase.
// A step that returns null was stopped (the `stop` signal, while paused or waiting for labels).
import {
  ActivityFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ImportResult,
  InferResult,
  PreparedProject,
  RoundMetrics,
  SelectionSummary,
  TrainResult,
} from '../activities/types';
import { batchSizeFor, lightlyEnabled, type LoopConfig } from '../core/config/loop-config';
import { layout } from '../core/workspace-layout';
import {
  cpu,
  cpuWorkOptions,
  embedInput,
  exportInput,
  gpuActivities,
  handOffOptions,
  importInput,
  inferInput,
  lightlyPushOptions,
  selectInput,
  trainInput,
  validationSelectInput,
} from './loop-activities';
import { annotateInLabelStudio } from './label-studio-annotation';
import { notImported, type LoopSession } from './loop-session';
import type { CarriedState } from './loop-state';
import { SubmissionFailure } from './messages';
import {
  EMBED_INFER_FAILURE_PAUSES,
  LIGHTLY_STUDIO_PUSH,
  POOL_EMBEDDING_SHARDS,
  POOL_INFERENCE_SHARDS,
  TRAINING_FAILURE_PAUSES,
} from './patches';
import { poolEmbedding } from './pool-embedding';
import { poolInference } from './pool-inference';
import { PomonaMap50 } from './search-attributes';

type Gpu = ReturnType<typeof gpuActivities>;

/** 1. Prepare (first run only): the manifest, the fixed validation split, the pool's embeddings. */
export async function prepare(
  config: LoopConfig,
  loop: LoopSession,
  { gpu, embedOptions }: Gpu,
): Promise<CarriedState | null> {
  loop.enter('preparing', 'ingesting the dataset');
  const prepared = await cpu.prepareProject.executeWithOptions(
    { ...cpuWorkOptions, summary: `ingest ${config.dataset.path}` },
    [config],
  );
  Object.assign(loop.view, {
    pool: prepared.poolCount,
    validation: prepared.validationCount,
    manifestPath: prepared.manifestPath,
  });
  if (!(await loop.proceed())) return null;
  // With `shards.images`, in shards over every GPU worker (workflows/pool-embedding.ts); `ssl` trains its
  // encoder on the whole pool, so it stays one activity. Configs recorded before `shards` have no section.
  const shardImages = config.shards?.images;
  const sharded = shardImages !== undefined && config.embedding.method !== 'ssl' && patched(POOL_EMBEDDING_SHARDS);
  const workflowId = `${workflowInfo().workflowId}-pool-embedding`;
  const details =
    `embedding ${prepared.poolCount} pool images` +
    (sharded
      ? ` in ${Math.ceil(prepared.poolCount / shardImages)} shard(s) of ${shardImages} (workflow ${workflowId})`
      : '');
  loop.enter('preparing', details);
  const embed = embedInput(config, prepared);
  const embeddings = await loop.runOrPause({
    patch: EMBED_INFER_FAILURE_PAUSES,
    phase: 'preparing',
    details,
    what: 'embedding the pool',
    again: sharded ? 'run the shards not done yet' : 'run it again',
    run: () =>
      sharded
        ? executeChild(poolEmbedding, {
            workflowId,
            staticSummary: `embedding ${prepared.poolCount} pool images in shards of ${shardImages}`,
            args: [
              {
                config,
                embed,
                shardsDir: layout.embeddingShards(prepared.projectDir),
                shardImages,
                inFlight: config.shards.inFlight,
              },
            ],
          }).catch(failedShard)
        : gpu.embedPool.executeWithOptions({ ...embedOptions, summary: `embed ${prepared.poolCount} images` }, [embed]),
  });
  if (!embeddings) return null;
  return {
    round: 1,
    prepared,
    embeddingsPath: embeddings.embeddingsPath,
    labelled: 0,
    metrics: [],
    paused: loop.view.paused,
  };
}

/**
 * 1b. A validation set people label first (round 0), when the dataset gives none and the config asks for
 * one: a seeded random batch, annotated like any other, then moved out of the pool for good.
 */
export async function labelValidation(
  config: LoopConfig,
  loop: LoopSession,
  state: CarriedState,
): Promise<CarriedState | null> {
  const input = validationSelectInput(config, state);
  loop.enter('selecting', `validation batch: ${batchSizeFor(input.size, 0)} random images`);
  const selection = await cpu.selectBatch.executeWithOptions(
    { ...cpuWorkOptions, summary: 'round 0: select the validation batch' },
    [input],
  );
  const imported = await annotate(config, loop, state, selection, 0);
  if (!imported) return null;
  loop.view.pendingBatch = null;
  const prepared = await cpu.promoteValidation.executeWithOptions(
    { ...handOffOptions, summary: `round 0: ${imported.labelledCount} images become the validation set` },
    [{ prepared: state.prepared, labelledPath: imported.labelledPath! }],
  );
  Object.assign(loop.view, { pool: prepared.poolCount, validation: prepared.validationCount });
  return { ...state, prepared };
}

/** 2. Select the round's batch. */
export async function select(config: LoopConfig, loop: LoopSession, state: CarriedState): Promise<SelectionSummary> {
  const input = selectInput(config, state, loop.round);
  loop.enter('selecting', `${input.method}, ${batchSizeFor(input.size, state.labelled)} images`);
  return cpu.selectBatch.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${loop.round}: select ${input.method}` },
    [input],
  );
}

/**
 * 3. Annotate: export the batch, then wait, durably, for labels that pass validation. `round` is the
 * loop's, or 0 for the validation batch.
 */
export async function annotate(
  config: LoopConfig,
  loop: LoopSession,
  state: CarriedState,
  selection: SelectionSummary,
  round = loop.round,
): Promise<ImportResult | null> {
  const { view } = loop;
  const { selectionPath } = selection;
  const exported = await cpu.exportBatch.executeWithOptions(
    { ...handOffOptions, summary: `round ${round}: export ${selection.count} images for annotation` },
    [exportInput(config, state, round, selectionPath)],
  );
  view.pendingBatch = {
    round,
    count: exported.count,
    exportDir: exported.exportDir,
    imageListPath: exported.imageListPath,
    selectionPath,
    prelabels: exported.prelabels,
  };
  if (config.annotation.tool === 'label-studio') {
    const fromLabelStudio = await annotateInLabelStudio(config, loop, state, selection, exported, round);
    loop.answerQueued(fromLabelStudio);
    return fromLabelStudio;
  }
  const waiting = `${exported.count} images in ${exported.exportDir}`;
  // The Web UI's details while people label: also where the model stands, per class when there are several.
  loop.enter('awaiting-annotation', `${waiting}${standing(view)}`);
  let imported: ImportResult | null = null;
  while (!imported) {
    const next = await loop.nextSubmission();
    if (!next) break;
    const { labelsDir } = next.submission;
    loop.enter('importing', `validating ${labelsDir}`);
    const outcome = await cpu.importAnnotations.executeWithOptions(
      { ...handOffOptions, summary: `round ${round}: import labels from ${labelsDir}` },
      [importInput(config, state, round, selectionPath, labelsDir)],
    );
    const rejected = `round ${round} labels rejected: ${outcome.problemCount} problem(s) in ${labelsDir}`;
    loop.answer(next.id, outcome.ok ? outcome : notImported(outcome, SubmissionFailure.rejected, rejected));
    if (outcome.ok) {
      imported = outcome;
      view.annotationProblems = [];
      view.lastError = null;
    } else {
      view.annotationProblems = outcome.problems;
      view.lastError = rejected;
      loop.enter('awaiting-annotation', `${waiting} (last submission rejected)`);
    }
  }
  loop.answerQueued(imported);
  return imported;
}

/** `; round N mAP50 x (AP50: a x, b y); labelled boxes: a n, b m`, each part when known. */
function standing(view: LoopSession['view']): string {
  const byClass = (values: Record<string, number>, format: (v: number) => string) =>
    Object.entries(values)
      .map(([c, v]) => `${c} ${format(v)}`)
      .join(', ');
  const last = view.metrics.at(-1);
  const parts = [
    last
      ? `round ${last.round} mAP50 ${last.map50.toFixed(3)}` +
        (last.ap50ByClass ? ` (AP50: ${byClass(last.ap50ByClass, (v) => v.toFixed(3))})` : '')
      : '',
    view.labelledBoxesByClass && Object.keys(view.labelledBoxesByClass).length > 1
      ? `labelled boxes: ${byClass(view.labelledBoxesByClass, String)}`
      : '',
  ].filter(Boolean);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

/** 4. Train on the GPU queue; round n>1 fine-tunes round n-1's weights. Nothing labelled is lost when it fails. */
export async function train(
  config: LoopConfig,
  loop: LoopSession,
  { gpu, trainOptions }: Gpu,
  state: CarriedState,
  labelledPath: string,
): Promise<TrainResult | null> {
  const { epochs, minSteps } = config.trainer;
  // The trainer raises the epochs to reach minSteps (it alone knows the crops per image): say so where it shows.
  const details =
    `${epochs} epoch${epochs === 1 ? '' : 's'}` +
    `${minSteps ? ` (at least ${minSteps} steps)` : ''} on ${loop.view.labelled} images`;
  loop.enter('training', details);
  return loop.runOrPause({
    patch: TRAINING_FAILURE_PAUSES,
    phase: 'training',
    details,
    what: `round ${loop.round} training`,
    again: 'train again from the last checkpoint',
    run: () =>
      gpu.trainRound.executeWithOptions({ ...trainOptions, summary: `round ${loop.round}: train ${details}` }, [
        trainInput(config, state, loop.round, labelledPath),
      ]),
  });
}

/** 5. Evaluate on the fixed validation split: null when stopped, 'none' for a dataset without one. */
export async function evaluate(
  config: LoopConfig,
  loop: LoopSession,
  gpu: Gpu,
  state: CarriedState,
  model: string,
): Promise<RoundMetrics | 'none' | null> {
  const { prepared } = state;
  const { validationImagesDir, validationLabelsDir } = prepared;
  if (!validationImagesDir || !validationLabelsDir) return 'none';
  const { round, view } = loop;
  const predictions = await inferStep(config, loop, gpu, prepared, model, {
    phase: 'evaluating',
    details: `${prepared.validationCount} validation images`,
    target: 'the validation images',
    imagesDir: validationImagesDir,
    outDir: layout.validationPredictions(prepared.projectDir, round),
  });
  if (!predictions) return null;
  const metrics = await cpu.evaluateRound.executeWithOptions(
    { ...cpuWorkOptions, summary: `round ${round}: mAP on the validation split` },
    [
      {
        projectDir: prepared.projectDir,
        round,
        gtLabelsDir: validationLabelsDir,
        predictionsDir: predictions.predictionsDir,
        labelled: view.labelled,
      },
    ],
  );
  view.metrics = [...view.metrics, metrics];
  upsertSearchAttributes([{ key: PomonaMap50, value: metrics.map50 }]);
  log.info('round evaluated', {
    round,
    labelled: view.labelled,
    map50: metrics.map50,
    cocoAp: metrics.cocoAp,
    ...(metrics.ap50ByClass ? { ap50ByClass: metrics.ap50ByClass } : {}),
  });
  return metrics;
}

/**
 * 7. Infer on the pool: the next selection's scores and the next batch's pre-labels. With `shards.images`,
 * in shards over every GPU worker (workflows/pool-inference.ts), a child workflow per round.
 */
export async function inferPool(
  config: LoopConfig,
  loop: LoopSession,
  gpu: Gpu,
  { prepared }: CarriedState,
  model: string,
): Promise<InferResult | null> {
  // Configs recorded before `shards` existed have no such section.
  const shardImages = config.shards?.images;
  if (shardImages !== undefined && patched(POOL_INFERENCE_SHARDS))
    return inferPoolInShards(config, loop, prepared, model, shardImages);
  return inferStep(config, loop, gpu, prepared, model, {
    phase: 'inferring',
    details: `${prepared.poolCount} pool images`,
    target: 'the pool',
    imagesDir: prepared.poolImagesDir,
    outDir: layout.predictions(prepared.projectDir, loop.round),
  });
}

async function inferPoolInShards(
  config: LoopConfig,
  loop: LoopSession,
  prepared: PreparedProject,
  model: string,
  shardImages: number,
): Promise<InferResult | null> {
  const { round } = loop;
  const shards = Math.ceil(prepared.poolCount / shardImages);
  const workflowId = `${workflowInfo().workflowId}-round-${round}-pool-inference`;
  const details = `${prepared.poolCount} pool images in ${shards} shard(s) of ${shardImages} (workflow ${workflowId})`;
  loop.enter('inferring', details);
  const infer = inferInput(
    config,
    prepared,
    model,
    prepared.poolImagesDir,
    layout.predictions(prepared.projectDir, round),
  );
  return loop.runOrPause({
    patch: EMBED_INFER_FAILURE_PAUSES,
    phase: 'inferring',
    details,
    what: `round ${round} inference on the pool`,
    again: 'run the shards not done yet',
    run: () =>
      executeChild(poolInference, {
        workflowId,
        staticSummary: `round ${round}: inference on ${prepared.poolCount} pool images in ${shards} shard(s)`,
        args: [
          {
            config,
            round,
            infer,
            shardsDir: layout.predictionShards(prepared.projectDir, round),
            shardImages,
            inFlight: config.shards.inFlight,
          },
        ],
      }).catch(failedShard),
  });
}

/** A shard that spent its attempts fails its fan-out: the loop pauses on it as on one activity's failure. */
function failedShard(err: unknown): never {
  throw err instanceof ChildWorkflowFailure && err.cause instanceof ActivityFailure ? err.cause : err;
}

/** The round's model on a folder of images, pausing the loop when the inference's attempts are spent. */
function inferStep(
  config: LoopConfig,
  loop: LoopSession,
  { gpu, inferOptions }: Gpu,
  prepared: PreparedProject,
  model: string,
  step: { phase: 'evaluating' | 'inferring'; details: string; target: string; imagesDir: string; outDir: string },
): Promise<InferResult | null> {
  loop.enter(step.phase, step.details);
  return loop.runOrPause({
    patch: EMBED_INFER_FAILURE_PAUSES,
    phase: step.phase,
    details: step.details,
    what: `round ${loop.round} inference on ${step.target}`,
    again: 'run it again',
    run: () =>
      gpu.inferImages.executeWithOptions(
        { ...inferOptions, summary: `round ${loop.round}: infer on ${step.details}` },
        [inferInput(config, prepared, model, step.imagesDir, step.outDir)],
      ),
  });
}

/**
 * With `lightly.enabled`: the project into its LightlyStudio dataset after the round's selection (its tag),
 * after its inference on the pool (its labels and predictions), and after the evaluation of the round that
 * ends the loop (its labels). The push is idempotent. A push that fails its three attempts does not stop
 * the loop: a warning in the log and the status' lastError, and the next push catches up.
 */
export async function pushToLightly(
  config: LoopConfig,
  loop: LoopSession,
  state: CarriedState,
  after: 'selection' | 'inference' | 'evaluation',
): Promise<void> {
  if (!lightlyEnabled(config) || !patched(LIGHTLY_STUDIO_PUSH)) return;
  const { round } = loop;
  const what = `round ${round}: push to LightlyStudio after ${after}`;
  try {
    const pushed = await cpu.pushToLightlyStudio.executeWithOptions({ ...lightlyPushOptions, summary: what }, [
      { projectDir: state.prepared.projectDir, round },
    ]);
    log.info('pushed to LightlyStudio', { round, after, ...pushed });
  } catch (err) {
    // A cancelled loop stops here as anywhere else; only the push's own failure is let pass.
    if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
    const message =
      `${what} failed: ${err.cause?.message ?? err.message}; the loop goes on ` +
      `(push by hand: npx pomona lightly push ${state.prepared.projectDir})`;
    log.warn(message);
    loop.view.lastError = message;
  }
}
