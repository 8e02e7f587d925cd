// The stand-in trainer (tests/stand-in-trainer) for suites about orchestration: processes, timing, retries,
// messages. It follows the trainer's command-line contract and pauses `epochSeconds` per epoch instead of
// training, so a suite's length is its own timing and no longer the network's speed under load.
import { standInTrainerEnv } from './stand-in-trainer-env';

export { standInTrainerEnv };

/** For workers in this process: the stand-in from beforeAll to afterAll, the environment restored after. */
export function useStandInTrainer(epochSeconds?: number): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [key, value] of Object.entries(standInTrainerEnv(epochSeconds))) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
