// Step 3 with annotation.tool "label-studio": the exported batch becomes tasks with pre-labels in the loop's
// Label Studio project, then the loop reads the tasks back whenever the webhook receiver says something
// changed and, because a webhook can be lost, on a durable timer too: pollEvery at first, doubling while
// nothing changes up to 32 times that (32 minutes by default), back to pollEvery on any progress, so a batch
// that waits for weeks keeps a small history. It imports once every task is
// annotated or skipped (or on takeAnnotated); bad annotations show in `status` by task and the loop keeps
// waiting. Label Studio being down only delays this: each failure shows in `status` and the next poll
// tries again.
import { ActivityFailure, condition, isCancellation } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ExportedBatch, ImportResult, SelectionSummary } from '../activities/types';
import type { LoopConfig } from '../core/config/loop-config';
import { collectLabelStudioInput, cpu, labelStudioHandOffInput, labelStudioOptions } from './loop-activities';
import { failureText, type LoopSession } from './loop-session';
import type { CarriedState } from './loop-state';
import type { LabelStudioBatchStatus } from './messages';

export async function annotateInLabelStudio(
  config: LoopConfig,
  loop: LoopSession,
  state: CarriedState,
  selection: SelectionSummary,
  exported: ExportedBatch,
  round: number,
): Promise<ImportResult | null> {
  const { view } = loop;
  const every = config.annotation.labelStudio.pollEvery;
  const firstWait = msToNumber(every as Parameters<typeof msToNumber>[0]);
  let wait = firstWait;
  let done = -1;
  let shown = '';
  /** Shows the phase's details when they change (each showing is a history event). */
  const show = (details: string) => {
    if (details !== shown) loop.enter('awaiting-annotation', details);
    shown = details;
  };
  const ls: LabelStudioBatchStatus = {
    url: config.annotation.labelStudio.url,
    projectId: null,
    projectUrl: null,
    progress: null,
    webhook: false,
  };
  view.pendingBatch!.labelStudio = ls;

  /** An activity's result, or null after showing its failure (the loop tries again at the next poll). */
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      view.lastError = `Label Studio ${what} failed (${failureText(err)}); trying again within ${every}`;
      return null;
    }
  };

  show(`handing ${exported.count} images to Label Studio`);
  let took = false;
  for (;;) {
    if (ls.projectId === null) {
      const batch = await attempt('hand-off', () =>
        cpu.handOffToLabelStudio.executeWithOptions(
          { ...labelStudioOptions, summary: `round ${round}: ${exported.count} tasks in Label Studio` },
          [labelStudioHandOffInput(config, state, round, selection.selectionPath, exported.exportDir)],
        ),
      );
      if (batch) {
        Object.assign(ls, { projectId: batch.projectId, projectUrl: batch.projectUrl, webhook: batch.webhook });
        view.lastError = null;
      }
    }
    if (ls.projectId !== null) {
      const projectId = ls.projectId;
      took = loop.takeAnnotatedRound === round;
      loop.labelStudioNudged = false;
      const collected = await attempt('read-back', () =>
        cpu.collectLabelStudioAnnotations.executeWithOptions(
          { ...labelStudioOptions, summary: `round ${round}: read the batch back from Label Studio` },
          [collectLabelStudioInput(config, state, round, selection.selectionPath, projectId, took)],
        ),
      );
      if (collected) {
        ls.progress = collected.progress;
        const { imported } = collected;
        if (imported?.ok) {
          view.annotationProblems = [];
          view.lastError = null;
          return imported;
        }
        const { annotated, skipped, total } = collected.progress;
        if (imported) {
          view.annotationProblems = imported.problems;
          view.lastError = `round ${round} annotations rejected: ${imported.problemCount} problem(s) in Label Studio tasks; fix them there`;
        } else if (view.lastError?.startsWith('Label Studio ')) {
          view.lastError = null;
        }
        show(`${annotated + skipped} of ${total} tasks done in Label Studio (${ls.projectUrl})`);
        wait = annotated + skipped !== done ? firstWait : Math.min(2 * wait, 32 * firstWait);
        done = annotated + skipped;
      }
    }
    // A webhook, a first takeAnnotated, a stop, or the poll timer: whichever comes first.
    await condition(
      () => loop.labelStudioNudged || (loop.takeAnnotatedRound === round && !took) || view.stopRequested,
      wait,
    );
    if (loop.labelStudioNudged) wait = firstWait;
    if (view.stopRequested) return null;
  }
}
