// `pomona annotate export|submit`: hand a pending batch to people, and submit their KITTI labels.
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ImportResult } from '../../activities/types';
import { SubmissionFailure, type AnnotationSubmission, type LoopStatus, type RejectedAnnotations } from '../../workflows/messages';
import { CliError } from '../cli-error';
import { integer } from '../option-parsers';
import { connectClient, resolveWorkflowId } from '../temporal-client';

/** Submits labels through the update; returns the import, or throws a CliError that says why nothing was imported. */
export async function submitLabels(client: Client, workflowId: string, submission: AnnotationSubmission): Promise<ImportResult> {
  let result: ImportResult;
  try {
    result = await client.workflow.getHandle(workflowId).executeUpdate<ImportResult, [AnnotationSubmission]>('submitAnnotations', { args: [submission] });
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
    [`rejected: ${problemCount} problem(s); nothing was imported from ${labelsDir}`, ...problems.map((p) => `  ${p}`), 'fix the labels and submit again (`pomona status` shows whether the loop still waits)'].join('\n'),
  );
}

export function registerAnnotate(program: Command): void {
  const annotate = program.command('annotate').description('annotation hand-off for a loop waiting for labels');
  annotate
    .command('export')
    .argument('<id>', 'workflow id or project name')
    .option('--to <dir>', 'also copy the batch (images, image list, pre-labels) to this folder')
    .description('show (and optionally copy) the batch waiting for annotation')
    .action(async (id: string, opts: { to?: string }) => {
      const client = await connectClient();
      const status = await client.workflow.getHandle(resolveWorkflowId(id)).query<LoopStatus>('status');
      const batch = status.pendingBatch;
      if (!batch) throw new CliError(`${status.project} is not waiting for annotation (phase ${status.phase})`);
      let dir = batch.exportDir;
      if (opts.to) {
        dir = path.resolve(opts.to);
        await fs.cp(batch.exportDir, dir, { recursive: true, dereference: true });
      }
      console.log(JSON.stringify({ round: batch.round, count: batch.count, exportDir: dir, imageList: path.join(dir, path.basename(batch.imageListPath)), prelabels: batch.prelabels }, null, 2));
      console.error(`label the images listed there in any KITTI tool, then: npx pomona annotate submit ${status.project} --round ${batch.round} --labels DIR`);
    });
  annotate
    .command('submit')
    .argument('<id>', 'workflow id or project name')
    .requiredOption('--round <n>', 'the round of the batch', integer(1))
    .requiredOption('--labels <dir>', 'folder with one KITTI <image>.txt per batch image')
    .description('submit labels; they are validated before anything is imported')
    .action(async (id: string, opts: { round: number; labels: string }) => {
      const client = await connectClient();
      const result = await submitLabels(client, resolveWorkflowId(id), { round: opts.round, labelsDir: path.resolve(opts.labels) });
      console.log(`imported ${result.boxes} boxes; ${result.labelledCount} images labelled in total`);
    });
}
