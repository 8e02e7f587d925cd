// selectBatch: choose the next images to label from the unlabelled pool by the configured method
// (core/selection/select.ts), on the pool's embeddings and, for scored methods, the last model's
// predictions. Idempotent per round: a retry returns the selection already written.
import { ApplicationFailure } from '@temporalio/activity';
import * as path from 'node:path';
import { batchSizeFor } from '../core/config/loop-config';
import { writeJsonAtomic } from '../core/io/atomic-write';
import { rowScores } from '../core/scores/prediction-folder';
import { readPoolEmbeddings } from '../core/selection/embeddings-matrix';
import { needsScores, selectRows } from '../core/selection/select';
import { layout } from '../core/workspace-layout';
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
  const [manifest, labelled] = await Promise.all([
    readManifest(input.manifestPath),
    readLabelledSet(input.labelledPath),
  ]);
  const poolNames = manifest.images.filter((i) => i.split === 'pool').map((i) => i.name);
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
    const rowNames = embeddings.filenames.map((f) => path.basename(f, path.extname(f)));
    const known = new Set(rowNames);
    const missing = poolNames.filter((n) => !known.has(n));
    if (missing.length) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidInput,
        nonRetryable: true,
        message: `${input.embeddingsPath}: no embedding for ${missing.length} pool image(s), e.g. ${missing.slice(0, 3).join(', ')}`,
      });
    }
    const preselected = rowNames.flatMap((n, i) => (labelledNames.has(n) ? [i] : []));
    const pool = new Set(poolNames);
    const open = rowNames.flatMap((n, i) => (pool.has(n) && !labelledNames.has(n) ? [i] : []));
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
