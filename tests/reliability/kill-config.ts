// The loop config of the kill tests: a tiny orchard, tens of epochs so that a kill lands mid-training (the
// kill and cancellation suites run it on the stand-in trainer: their workers get standInTrainerEnv), with a
// short heartbeat timeout so a dead worker's activity is retried within seconds. The secrets suite replaces
// the trainer section and runs the real trainer.
import type { LoopConfigInput } from '../../core/config/loop-config';

export const KILL_TEST_CHECKPOINT_INTERVAL = 4;
export const KILL_TEST_EPOCHS = 24;

export function killTestConfig(
  project: string,
  workspace: string,
  dataset: string,
  overrides: Partial<LoopConfigInput> = {},
): LoopConfigInput {
  return {
    project,
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'CORESET', size: { nTotal: 8 } },
      rounds: { method: 'CORAL', size: { batchSize: 4 } },
    },
    embedding: { epochs: 1, dim: 8 },
    trainer: {
      minSteps: 0,
      epochs: KILL_TEST_EPOCHS,
      checkpointInterval: KILL_TEST_CHECKPOINT_INTERVAL,
      device: 'cpu',
    },
    stop: { maxRounds: 2 },
    timeouts: { heartbeat: '10s', train: '30m', infer: '30m' },
    ...overrides,
  };
}

/** Repetitions of each kill: POMONA_RELIABILITY_REPEAT (the long suite sets 10), default 1. */
export function repeatCount(): number {
  const n = Number(process.env.POMONA_RELIABILITY_REPEAT ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}
