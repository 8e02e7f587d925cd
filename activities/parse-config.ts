// parseConfig: the loop's config judged once, in a local activity on its first run. The parsed config
// (defaults filled in) is recorded in history, so a replay never judges it again with a newer schema: a
// stricter rule would fail a loop that already runs, a changed default would silently change its inputs.
import { ApplicationFailure } from '@temporalio/common';
import { parseLoopConfig, type LoopConfig, type LoopConfigInput } from '../core/config/loop-config';
import { ErrorType } from '../core/errors';

export async function parseConfig(input: LoopConfigInput): Promise<LoopConfig> {
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
