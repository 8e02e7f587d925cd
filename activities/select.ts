// selectBatch: choose the next images to label from the unlabelled pool, by RANDOM or CORESET on the
// pool's embeddings. Idempotent per round: a retry returns the selection already written.
import { ApplicationFailure } from '@temporalio/activity';
import * as path from 'node:path';
import { batchSizeFor } from '../core/config/loop-config';
import { writeJsonAtomic } from '../core/io/atomic-write';
import { readKittiFolder } from '../core/formats/kitti-folder';
import { detectionScores } from '../core/scores/detection';
import { coralSelect } from '../core/selection/coral';
import { coresetSelect } from '../core/selection/coreset';
import { readEmbeddingsCsv } from '../core/selection/embeddings-csv';
import { randomSelect } from '../core/selection/random';
import { layout } from '../core/workspace-layout';
import { readLabelledSet } from './labelled-set';
import { readManifest } from './manifest';
import { readSelection, type SelectionFile } from './selection-file';
import type { SelectBatchInput, SelectionSummary } from './types';

export async function selectBatch(input: SelectBatchInput): Promise<SelectionSummary> {
  const selectionPath = layout.selection(input.projectDir, input.round);
  const [manifest, labelled] = await Promise.all([readManifest(input.manifestPath), readLabelledSet(input.labelledPath)]);
  const poolNames = manifest.images.filter((i) => i.split === 'pool').map((i) => i.name);
  const labelledNames = new Set(labelled.images.map((i) => i.name));
  const remaining = poolNames.filter((n) => !labelledNames.has(n)).length;

  const existing = await readSelection(selectionPath).catch(() => null);
  if (existing) return summary(input, selectionPath, existing, remaining - existing.images.length);

  let count = Math.min(batchSizeFor(input.size, labelledNames.size), remaining);
  if (input.labelBudget !== undefined) count = Math.max(0, Math.min(count, input.labelBudget - labelledNames.size));

  let picks: string[] = [];
  if (count > 0) {
    const embeddings = await readEmbeddingsCsv(input.embeddingsPath);
    // Embedding rows are named by the pool link's file name (`<name><ext>`); selection speaks names.
    const rowNames = embeddings.filenames.map((f) => path.basename(f, path.extname(f)));
    const known = new Set(rowNames);
    const missing = poolNames.filter((n) => !known.has(n));
    if (missing.length) {
      throw ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message: `${input.embeddingsPath}: no embedding for ${missing.length} pool image(s), e.g. ${missing.slice(0, 3).join(', ')}` });
    }
    const preselected = rowNames.flatMap((n, i) => (labelledNames.has(n) ? [i] : []));
    const pool = new Set(poolNames);
    const candidates = rowNames.flatMap((n, i) => (pool.has(n) && !labelledNames.has(n) ? [i] : []));
    let indices: number[];
    if (input.method === 'RANDOM') indices = randomSelect(candidates, count, input.seed);
    else if (input.method === 'CORESET') indices = coresetSelect(embeddings, { preselected, candidates, batchSize: count }).picks;
    else indices = coralSelect(embeddings, { preselected, candidates, batchSize: count, scores: await poolScores(input, rowNames, candidates), strength: input.strength }).picks;
    picks = indices.map((i) => rowNames[i]);
  }
  const selection: SelectionFile = { round: input.round, method: input.method, ...(input.method === 'CORAL' ? { score: input.score } : {}), labelledBefore: labelledNames.size, images: picks };
  await writeJsonAtomic(selectionPath, selection);
  return summary(input, selectionPath, selection, remaining - picks.length);
}

function summary(input: SelectBatchInput, selectionPath: string, selection: SelectionFile, remainingPool: number): SelectionSummary {
  return { round: input.round, method: input.method, selectionPath, count: selection.images.length, labelledBefore: selection.labelledBefore, remainingPool };
}

/** CORAL's weights: each candidate's score from the last model's pool predictions (no file: no boxes). */
async function poolScores(input: SelectBatchInput, rowNames: string[], candidates: number[]): Promise<Float64Array> {
  if (!input.predictionsDir || !input.score) {
    throw ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message: `round ${input.round}: CORAL needs the previous round's pool predictions and a score` });
  }
  const names = candidates.map((i) => rowNames[i]);
  const predictions = await readKittiFolder(input.predictionsDir, 'prediction', names, true);
  const scores = detectionScores(predictions);
  const weights = new Float64Array(rowNames.length);
  for (const i of candidates) weights[i] = scores.get(rowNames[i])![input.score];
  return weights;
}
