// activeLearningLoop: one run performs one round (prepare once, select, annotate, train, evaluate, infer)
// and hands a compact state to the next run through continueAsNew, so history stays small however many
// rounds a project takes. Deterministic workflow code: no I/O here, only activities do work. The steps are
// in loop-steps.ts, the status and message handlers in loop-session.ts, activity options in loop-activities.ts.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  allHandlersFinished,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { parseLoopConfig, type LoopConfig, type LoopConfigInput } from '../core/config/loop-config';
import { ErrorType } from '../core/errors';
import { gpuActivities, parseConfig } from './loop-activities';
import { initialView, LoopSession } from './loop-session';
import { needsValidationBatch, stopReasonAfterRound, type CarriedState } from './loop-state';
import { annotate, evaluate, inferPool, labelValidation, prepare, pushToLightly, select, train } from './loop-steps';
import { status, type LoopResult } from './messages';
import { CONFIG_PARSED_ONCE } from './patches';

export async function activeLearningLoop(input: LoopConfigInput, carried?: CarriedState): Promise<LoopResult> {
  // While the first run's config is parsed (a local activity) there is no session yet: status shows the
  // loop preparing instead of failing with QueryNotRegisteredError. A query adds nothing to history.
  if (!carried) setHandler(status, () => initialView(String(input.project), undefined));
  const config = carried ? (input as LoopConfig) : await firstRunConfig(input);
  const loop = new LoopSession(config, carried);
  const { round, view } = loop;
  const gpu = gpuActivities(config);

  // 1. Prepare (first run only): manifest, fixed validation split, embeddings of the pool; and when the
  //    dataset gives no validation set but the config asks for one, a batch people label first (round 0).
  const prepared = carried ?? (await prepare(config, loop, gpu));
  if (!prepared) return loop.finish('stop-signal');
  const state =
    carried || !needsValidationBatch(config, prepared) ? prepared : await labelValidation(config, loop, prepared);
  if (!state) return loop.finish('stop-signal');

  // 2. Select.
  if (!(await loop.proceed())) return loop.finish('stop-signal');
  const selection = await select(config, loop, state);
  if (selection.count === 0) {
    // Nothing to add: the budget is spent, the pool is empty, or an `nTotal` size is already reached.
    if (config.stop.labelBudget !== undefined && view.labelled >= config.stop.labelBudget)
      return loop.finish('label-budget');
    return loop.finish(selection.remainingPool > 0 ? 'size-reached' : 'pool-exhausted');
  }
  // With `lightly.enabled`, the round's tag in LightlyStudio before the batch goes to people.
  await pushToLightly(config, loop, state, 'selection');

  // 3. Annotate: export the batch, then wait, durably, for labels that pass validation.
  const imported = await annotate(config, loop, state, selection);
  if (!imported) return loop.finish('stop-signal');
  view.pendingBatch = null;
  view.labelled = imported.labelledCount;
  if (imported.boxesByClass) view.labelledBoxesByClass = imported.boxesByClass;
  const labelledPath = imported.labelledPath!;

  // 4. Train on the GPU queue; round n>1 fine-tunes round n-1's weights.
  if (!(await loop.proceed())) return loop.finish('stop-signal');
  const trained = await train(config, loop, gpu, state, labelledPath);
  if (!trained) return loop.finish('stop-signal');
  view.training = null;
  view.lastError = null;
  const model = trained.weights;

  // 5. Evaluate on the fixed validation split.
  const metrics = await evaluate(config, loop, gpu, state, model);
  if (!metrics) return loop.finish('stop-signal', true);

  // 6. Stop?  (Checked before pool inference: a finished loop needs no pre-labels for a next batch.)
  const latest = metrics === 'none' ? null : metrics;
  const reason = stopReasonAfterRound(
    config,
    { round, labelled: view.labelled },
    latest,
    state.prepared.poolCount - view.labelled,
    view.stopRequested,
  );
  if (reason) {
    await pushToLightly(config, loop, state, 'evaluation');
    return loop.finish(reason, true);
  }

  // 7. Infer on the pool: the next selection's scores and the next batch's pre-labels.
  const poolPredictions = await inferPool(config, loop, gpu, state, model);
  if (!poolPredictions || view.stopRequested) return loop.finish('stop-signal', true);
  await pushToLightly(config, loop, state, 'inference');

  await condition(allHandlersFinished);
  const next = loop.carry(state, {
    labelledPath,
    lastWeights: model,
    lastPoolPredictions: poolPredictions.predictionsDir,
  });
  return continueAsNew<typeof activeLearningLoop>(config, next);
}

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
    throw ApplicationFailure.create({
      type: ErrorType.InvalidConfig,
      message: `invalid loop config: ${parsed.problems.join('; ')}`,
      nonRetryable: true,
    });
  }
  return parsed.config;
}
