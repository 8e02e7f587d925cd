// The simulated annotator: finds loops waiting for annotation and, after a delay, answers each batch with
// the dataset's ground truth through the same `submitAnnotations` update a person would use. For demos
// and benchmarks on labelled data (synthetic orchard, MinneApple) where people's work is simulated. A batch
// in Label Studio is annotated there instead, through its API (label-studio-annotator.ts).
import type { Client } from '@temporalio/client';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readManifest } from '../../activities/manifest';
import { readSelection } from '../../activities/selection-file';
import { status as statusQuery, type LoopStatus } from '../../workflows/messages';
import { annotateTasksFromGroundTruth } from './label-studio-annotator';
import { submitLabels } from './submit-labels';

export interface SimulatedAnnotatorOptions {
  /** Wait this long after a batch appears before answering it (people take time). */
  delayMs: number;
  /** Only answer this workflow (default: every waiting pomona loop in the namespace). */
  workflowId?: string;
  pollMs?: number;
  signal: AbortSignal;
  log?: (line: string) => void;
}

/** Writes ground-truth labels for a pending batch into `<exportDir>/simulated-labels/`; returns that folder. */
export async function writeGroundTruthLabels(status: LoopStatus): Promise<string> {
  const batch = status.pendingBatch;
  if (!batch || !status.manifestPath) throw new Error(`${status.project}: no pending batch`);
  const [manifest, selection] = await Promise.all([
    readManifest(status.manifestPath),
    readSelection(batch.selectionPath),
  ]);
  const byName = new Map(manifest.images.map((image) => [image.name, image]));
  const out = path.join(batch.exportDir, 'simulated-labels');
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(out, { recursive: true });
  for (const name of selection.images) {
    const labels = byName.get(name)?.labels;
    if (!labels)
      throw new Error(
        `${status.project}: no ground truth for ${name}; the simulated annotator needs a labelled dataset`,
      );
    await fs.copyFile(labels, path.join(out, `${name}.txt`));
  }
  return out;
}

export async function runSimulatedAnnotator(client: Client, options: SimulatedAnnotatorOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.error(line));
  const answered = new Set<string>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        options.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
  /** Labels the batch a loop waits for, once per run and round; a failure unmarks it for the next poll. */
  async function answerBatch(workflowId: string, runId: string): Promise<void> {
    const status = await client.workflow.getHandle(workflowId).query(statusQuery);
    const batch = status.pendingBatch;
    // A batch headed for Label Studio is answered once its tasks are there.
    if (!batch || batch.labelStudio?.projectId === null) return;
    const key = `${workflowId}/${runId}/${batch.round}`;
    if (answered.has(key)) return;
    // Marked while in hand so the next poll skips it; unmarked on failure so a later poll retries.
    answered.add(key);
    log(
      `[annotator] ${status.project} round ${batch.round}: labelling ${batch.count} images (in ${options.delayMs} ms)`,
    );
    await sleep(options.delayMs);
    if (options.signal.aborted) return;
    try {
      if (batch.labelStudio) {
        const count = await annotateTasksFromGroundTruth(status);
        log(`[annotator] ${status.project} round ${batch.round}: annotated ${count} tasks in Label Studio`);
        return;
      }
      const result = await submitLabels(client, workflowId, {
        round: batch.round,
        labelsDir: await writeGroundTruthLabels(status),
      });
      log(`[annotator] ${status.project} round ${batch.round}: accepted, ${result.labelledCount} labelled`);
    } catch (err) {
      answered.delete(key);
      throw err;
    }
  }

  let query = `WorkflowType = 'activeLearningLoop' AND ExecutionStatus = 'Running' AND PomonaPhase = 'awaiting-annotation'`;
  if (options.workflowId) query += ` AND WorkflowId = '${options.workflowId}'`;

  while (!options.signal.aborted) {
    try {
      for await (const execution of client.workflow.list({ query })) {
        if (options.signal.aborted) return;
        // One loop's refusal (labels it rejects, a batch it no longer waits for) must not hold up the others.
        try {
          await answerBatch(execution.workflowId, execution.runId);
        } catch (err) {
          log(`[annotator] ${execution.workflowId}: ${(err as Error).message}`);
        }
      }
    } catch (err) {
      log(`[annotator] ${(err as Error).message}`);
    }
    await sleep(options.pollMs ?? 1000);
  }
}
