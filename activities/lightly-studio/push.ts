// pushToLightlyStudio: the loop's push of its project into LightlyStudio (`lightly.enabled`), the same push
// as `pomona lightly push` (lightly-studio-push.ts): idempotent, so a retry or a later push adds only what
// is new. The CPU worker's keep-alive heartbeats while LightlyStudio works; cancelling kills its process.
// Returns counts and the dataset's path, never images or vectors.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ErrorType } from '../../core/errors';
import { requireUnderRoots, WORKSPACE_ROOTS_ENV } from '../allowed-roots';
import type { LightlyPushInput, LightlyPushResult } from '../types';
import { lightlyStudioMissing } from './lightly-studio-env';
import { pushProject } from './lightly-studio-push';

/** Non-retryable: a worker without LightlyStudio cannot push however often it tries. */
export function requireLightlyStudioOnWorker(field: string): void {
  const missing = lightlyStudioMissing();
  if (missing)
    throw ApplicationFailure.create({
      type: ErrorType.LightlyStudioNotInstalled,
      message: `${field}: ${missing} on this worker, or set lightly.enabled to false`,
      nonRetryable: true,
    });
}

export async function pushToLightlyStudio(input: LightlyPushInput): Promise<LightlyPushResult> {
  await requireUnderRoots(input.projectDir, 'projectDir', WORKSPACE_ROOTS_ENV);
  requireLightlyStudioOnWorker('lightly.enabled');
  const { summary, wallSeconds } = await pushProject(input.projectDir, {
    // LightlyStudio's progress bars stay out of the worker's log; a failure's last lines are in its error.
    onStderr: () => undefined,
    signal: Context.current().cancellationSignal,
  });
  const { embeddingsInCsv: _csv, ...counts } = summary;
  const result: LightlyPushResult = { ...counts, seconds: Math.round(wallSeconds * 10) / 10 };
  log.info('pushed to LightlyStudio', { round: input.round, ...result });
  return result;
}
