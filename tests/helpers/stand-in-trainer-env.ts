// The environment of a worker that runs the stand-in trainer (tests/stand-in-trainer) wherever pomona runs
// `python -m pomona_trainer`; free of test-runner globals, so benches (compiled with the project) use it too.
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';

/** Worker environment that runs the stand-in wherever pomona runs `python -m pomona_trainer`. */
export function standInTrainerEnv(epochSeconds = 0.25, inferSecondsPerImage = 0): Record<string, string> {
  return {
    POMONA_PYTHON: path.join(repositoryRoot(), 'tests', 'stand-in-trainer', 'python'),
    POMONA_STAND_IN_EPOCH_SECONDS: String(epochSeconds),
    POMONA_STAND_IN_INFER_SECONDS: String(inferSecondsPerImage),
  };
}
