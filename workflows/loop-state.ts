// The compact state one round hands to the next through continueAsNew, and the pure decisions on it.
import type { LoopConfig } from '../core/config/loop-config';
import type { PreparedProject, RoundMetrics } from '../activities/types';
import type { StopReason } from './messages';

export interface CarriedState {
  /** The round this run performs (1-based). */
  round: number;
  prepared: PreparedProject;
  embeddingsPath: string;
  labelled: number;
  /** Boxes per class of the labelled set (absent in states carried before it was counted). */
  labelledBoxesByClass?: Record<string, number>;
  labelledPath?: string;
  lastWeights?: string;
  /** The last model's predictions on the pool: pre-labels for the next batch. */
  lastPoolPredictions?: string;
  metrics: RoundMetrics[];
  paused: boolean;
}

/** Why the loop should end after a round, or null to go on. Order: the operator's word first. */
export function stopReasonAfterRound(
  config: LoopConfig,
  state: Pick<CarriedState, 'round' | 'labelled'>,
  latest: RoundMetrics | null,
  remainingPool: number,
  stopRequested: boolean,
): StopReason | null {
  if (stopRequested) return 'stop-signal';
  if (config.stop.targetMap50 !== undefined && latest && latest.map50 >= config.stop.targetMap50) return 'target-map';
  if (config.stop.labelBudget !== undefined && state.labelled >= config.stop.labelBudget) return 'label-budget';
  if (state.round >= config.stop.maxRounds) return 'max-rounds';
  if (remainingPool <= 0) return 'pool-exhausted';
  return null;
}

/** Whether the loop starts with a validation batch for people (round 0): no validation set, and one asked for. */
export function needsValidationBatch(config: LoopConfig, state: CarriedState): boolean {
  return state.prepared.validationCount === 0 && (config.dataset.validation.annotate ?? 0) > 0;
}
