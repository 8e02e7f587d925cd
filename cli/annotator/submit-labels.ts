// Labels submitted to a loop through its submitAnnotations update, by a person (`pomona annotate submit`) or
// the simulated annotator: the import's result, or one CliError that says why nothing was imported.
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ImportResult } from '../../activities/types';
import {
  submitAnnotations,
  SubmissionFailure,
  type AnnotationSubmission,
  type RejectedAnnotations,
} from '../../workflows/messages';
import { CliError } from '../cli-error';

/** Submits labels through the update; returns the import, or throws a CliError that says why nothing was imported. */
export async function submitLabels(
  client: Client,
  workflowId: string,
  submission: AnnotationSubmission,
): Promise<ImportResult> {
  let result: ImportResult;
  try {
    result = await client.workflow.getHandle(workflowId).executeUpdate(submitAnnotations, { args: [submission] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === SubmissionFailure.rejected) {
        const details = cause.details?.[0] as RejectedAnnotations | undefined;
        throw rejection(details?.problems ?? [cause.message], details?.problemCount ?? 1, submission.labelsDir);
      }
      // Refused by the loop's validator (wrong round, no batch waiting, ...) or never imported.
      throw new CliError(`submission rejected: ${cause?.message ?? err.message}`);
    }
    // The server did not answer (down, restarting, unreachable) within the client's retries: the update may
    // or may not have arrived. A batch is imported at most once, so checking and resending is safe.
    throw new CliError(
      `submission not confirmed (${(err as Error).message}); run \`pomona status ${workflowId}\`: if round ${submission.round} still waits for annotation, submit again`,
    );
  }
  // Workers older than patch submission-rejection-fails-update answer a rejection with ok: false.
  if (!result.ok) throw rejection(result.problems, result.problemCount, submission.labelsDir);
  return result;
}

function rejection(problems: string[], problemCount: number, labelsDir: string): CliError {
  return new CliError(
    [
      `rejected: ${problemCount} problem(s); nothing was imported from ${labelsDir}`,
      ...problems.map((p) => `  ${p}`),
      'fix the labels and submit again (`pomona status` shows whether the loop still waits)',
    ].join('\n'),
  );
}
