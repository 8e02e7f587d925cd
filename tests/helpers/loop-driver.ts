// Drives a loop from a test the way an operator would: wait for a status, answer a batch with the
// dataset's ground truth (the simulated annotator's labels) through the `submitAnnotations` update.
import { ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImportResult } from '../../activities/types';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import { withTrainingActivity } from '../../cli/commands/status';
import type { activeLearningLoop } from '../../workflows/active-learning-loop';
import {
  status as statusQuery,
  submitAnnotations,
  type AnnotationSubmission,
  type LoopStatus,
} from '../../workflows/messages';

type LoopHandle = WorkflowHandle<typeof activeLearningLoop>;

export interface UpdateFailure {
  type?: string;
  message: string;
  nonRetryable?: boolean | null;
  /** A rejection's problems (details[0] of an AnnotationsRejected failure). */
  problems?: string[];
}

/** Sends `submission` through the update: 'accepted', or the failure the loop answered with. */
export async function submissionFailure(handle: LoopHandle, submission: unknown): Promise<UpdateFailure | 'accepted'> {
  try {
    // `submission` may be deliberately malformed (the tests of the update's validator send such payloads).
    await handle.executeUpdate(submitAnnotations, { args: [submission as AnnotationSubmission] });
    return 'accepted';
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const cause = e.cause instanceof ApplicationFailure ? e.cause : undefined;
    const details = cause?.details?.[0] as { problems?: string[] } | undefined;
    return {
      type: cause?.type ?? undefined,
      message: e.cause?.message ?? e.message,
      nonRetryable: cause?.nonRetryable,
      problems: details?.problems,
    };
  }
}

/** Polls the `status` query until `predicate` holds; queries fail between runs and while a server restarts. */
export async function waitForStatus(
  handle: LoopHandle,
  predicate: (s: LoopStatus) => boolean,
  what: string,
  timeoutMs = 300_000,
): Promise<LoopStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: LoopStatus | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      // As `pomona status` reads it: training progress comes from the training activity's heartbeats.
      const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
      last = withTrainingActivity(status, description.raw.pendingActivities ?? []);
      if (predicate(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `timed out waiting for ${what}; last status: ${JSON.stringify(last)}; last error: ${String(lastError)}`,
  );
}

/** Polls the `status` query alone (what `temporal workflow query` shows, without the activities' view) until `predicate` holds. */
export async function waitForQuery(
  handle: LoopHandle,
  predicate: (s: LoopStatus) => boolean,
  what: string,
  timeoutMs = 300_000,
): Promise<LoopStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: LoopStatus | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(statusQuery).catch(() => last);
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

/** Waits for the batch of `round`, writes its ground-truth labels, returns the submission to send. */
export async function groundTruthSubmission(
  handle: LoopHandle,
  round: number,
  timeoutMs = 300_000,
): Promise<{ round: number; labelsDir: string }> {
  const status = await waitForStatus(
    handle,
    (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === round,
    `the round ${round} batch`,
    timeoutMs,
  );
  return { round, labelsDir: await writeGroundTruthLabels(status) };
}

/** Answers the batch of `round` with ground truth; the import must succeed. */
export async function annotateRound(handle: LoopHandle, round: number): Promise<ImportResult> {
  const submission = await groundTruthSubmission(handle, round);
  const result = await handle.executeUpdate(submitAnnotations, { args: [submission] });
  if (!result.ok) throw new Error(`round ${round} labels rejected: ${result.problems.join('; ')}`);
  return result;
}

/** Image names of a round's labelled set (rounds/<n>/labelled.json), sorted. */
export function labelledNames(projectDir: string, round: number): string[] {
  const file = path.join(projectDir, 'rounds', String(round), 'labelled.json');
  const set = JSON.parse(fs.readFileSync(file, 'utf8')) as { images: { name: string }[] };
  return set.images.map((i) => i.name).sort();
}

/** Files anywhere under `dir` whose names mark an unfinished write (temp files, `.partial` outputs). */
export function leftoverPartials(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (/\.tmp$|\.partial(\.|$)|\.partial$/.test(entry.name)) found.push(full);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}
