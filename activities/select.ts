// selectBatch: choose the next images to label from the unlabelled pool by the configured method
// (core/selection/select.ts), on the pool's embeddings and, for scored methods, the last model's
// predictions. Idempotent per round: a retry returns the selection already written.
import { ApplicationFailure } from '@temporalio/activity';
import { batchSizeFor } from '../core/config/loop-config';
import { writeJsonAtomic } from '../core/io/atomic-write';
import { rowScores } from '../core/scores/prediction-folder';
import { readPoolEmbeddings } from '../core/selection/embeddings-matrix';
import { needsScores, selectRows } from '../core/selection/select';
import { layout } from '../core/workspace-layout';
import { fileStem } from '../core/formats/images';
import { rowLookup } from '../core/selection/row-lookup';
import { readLabelledSet } from './labelled-set';
import { readManifest } from './manifest';
import { readSelection, type SelectionFile } from './selection-file';
import type { SelectBatchInput, SelectionSummary } from './types';
import { ErrorType } from '../core/errors';
import { deduplicatedCandidates } from '../core/selection/deduplicated';
import { keptRows } from './lightly-studio/deduplicate';
import { lightlyStudioMissing } from './lightly-studio/lightly-studio-env';

export async function selectBatch(input: SelectBatchInput): Promise<SelectionSummary> {
  const selectionPath = layout.selection(input.projectDir, input.round);
  const [poolNames, labelled] = await Promise.all([
    readPoolNames(input.manifestPath),
    readLabelledSet(input.labelledPath),
  ]);
  const labelledNames = new Set(labelled.images.map((i) => i.name));
  const remaining = poolNames.filter((n) => !labelledNames.has(n)).length;

  const existing = await readSelection(selectionPath).catch(() => null);
  if (existing) return summary(input, selectionPath, existing, remaining - existing.images.length);

  let count = Math.min(batchSizeFor(input.size, labelledNames.size), remaining);
  if (input.labelBudget !== undefined) count = Math.max(0, Math.min(count, input.labelBudget - labelledNames.size));

  let picks: string[] = [];
  let deduplicated: SelectionFile['deduplicated'];
  if (count > 0) {
    const embeddings = await readPoolEmbeddings(input.embeddingsPath);
    // Embedding rows are named by the pool link's file name (`<name><ext>`); selection speaks names.
    // Loops over flags in row order, not sets and flatMaps: a million rows take a fraction of a second.
    const rowNames = embeddings.filenames.map(fileStem);
    const rowOf = rowLookup(rowNames);
    const inPool = new Uint8Array(rowNames.length);
    const missing: string[] = [];
    for (const n of poolNames) {
      const row = rowOf(n);
      if (row === undefined) missing.push(n);
      else inPool[row] = 1;
    }
    if (missing.length) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidInput,
        nonRetryable: true,
        message: `${input.embeddingsPath}: no embedding for ${missing.length} pool image(s), e.g. ${missing.slice(0, 3).join(', ')}`,
      });
    }
    const preselected: number[] = [];
    const open: number[] = [];
    rowNames.forEach((n, i) => {
      if (labelledNames.has(n)) preselected.push(i);
      else if (inPool[i]) open.push(i);
    });
    let candidates = open;
    if (input.deduplicate) {
      requireLightlyStudioForSelection();
      const kept = await keptRows(input.embeddingsPath, input.deduplicate.minDistance, embeddings.filenames);
      deduplicated = { minDistance: input.deduplicate.minDistance, kept: kept.size };
      candidates = deduplicatedCandidates(open, kept, count);
    }
    const scores = needsScores(input.method) ? await poolScores(input, embeddings.filenames) : undefined;
    const indices = selectRows({
      method: input.method,
      embeddings,
      preselected,
      candidates,
      count,
      seed: input.seed,
      scores,
      strength: input.strength,
    });
    picks = indices.map((i) => rowNames[i]);
  }
  const selection: SelectionFile = {
    round: input.round,
    method: input.method,
    ...(needsScores(input.method) ? { score: input.score } : {}),
    labelledBefore: labelledNames.size,
    ...(deduplicated ? { deduplicated } : {}),
    images: picks,
  };
  await writeJsonAtomic(selectionPath, selection);
  return summary(input, selectionPath, selection, remaining - picks.length);
}

/** The pool's image names; the manifest itself (a million entries: about 0.6 GB) is not kept. */
async function readPoolNames(manifestPath: string): Promise<string[]> {
  const manifest = await readManifest(manifestPath);
  return manifest.images.filter((i) => i.split === 'pool').map((i) => i.name);
}

function summary(
  input: SelectBatchInput,
  selectionPath: string,
  selection: SelectionFile,
  remainingPool: number,
): SelectionSummary {
  return {
    round: input.round,
    method: input.method,
    selectionPath,
    count: selection.images.length,
    labelledBefore: selection.labelledBefore,
    remainingPool,
  };
}

/** Scored methods' weights: each row's score from the last model's pool predictions (no file: no boxes). */
async function poolScores(input: SelectBatchInput, rowFiles: string[]): Promise<Float64Array> {
  if (!input.predictionsDir || !input.score) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidInput,
      nonRetryable: true,
      message: `round ${input.round}: ${input.method} needs the previous round's pool predictions and a score`,
    });
  }
  return rowScores(input.predictionsDir, rowFiles, input.score);
}

/** A worker without LightlyStudio cannot deduplicate; any other failure (a killed process) is worth a retry. */
function requireLightlyStudioForSelection(): void {
  const missing = lightlyStudioMissing();
  if (missing)
    throw ApplicationFailure.create({
      type: ErrorType.LightlyStudioNotInstalled,
      nonRetryable: true,
      message: `selection.deduplicate: ${missing}`,
    });
}
