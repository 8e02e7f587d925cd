// parseConfig: the loop's config judged once, in a local activity on its first run. The parsed config
// (defaults filled in) is recorded in history, so a replay never judges it again with a newer schema: a
// stricter rule would fail a loop that already runs, a changed default would silently change its inputs.
// With `lightly.enabled` or `selection.deduplicate`, LightlyStudio must be installed on this (CPU) worker:
// refused here, before a round is run, rather than at the first push or selection.
import { ApplicationFailure } from '@temporalio/common';
import { lightlyEnabled, parseLoopConfig, type LoopConfig, type LoopConfigInput } from '../core/config/loop-config';
import { ErrorType } from '../core/errors';
import { requireLightlyStudioOnWorker } from './lightly-studio/push';

/** The config judged by the schema; `requireLightlyStudio` throws when a loop that pushes cannot. */
export function judgeConfig(
  input: LoopConfigInput,
  requireLightlyStudio: (field: string) => void = requireLightlyStudioOnWorker,
): LoopConfig {
  const parsed = parseLoopConfig(input);
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidConfig,
      message: `invalid loop config: ${parsed.problems.join('; ')}`,
      nonRetryable: true,
    });
  }
  if (lightlyEnabled(parsed.config)) requireLightlyStudio('lightly.enabled');
  if (parsed.config.selection.deduplicate) requireLightlyStudio('selection.deduplicate');
  return parsed.config;
}

export async function parseConfig(input: LoopConfigInput): Promise<LoopConfig> {
  return judgeConfig(input);
}
