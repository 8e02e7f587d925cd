// What the loop carries of the pool's embeddings: the CSV's path (Lightly's layout, the trainer's output),
// row count and width. The loop works on the float32 matrix beside the CSV (core/selection/embeddings-matrix.ts),
// which is written here, once, from the CSV; its header gives the summary without reading the rows again.
import * as fs from 'node:fs/promises';
import { matrixFiles, readMatrixSummary, writeEmbeddingsMatrix } from '../core/selection/embeddings-matrix';

/**
 * Row count and width of the pool's embeddings, writing the matrix when the CSV is there without it (the
 * embedding just written, or a worker killed between the two); null when the CSV is missing or has no rows.
 */
export async function ensureEmbeddingsMatrix(file: string): Promise<{ count: number; dim: number } | null> {
  if (!(await fs.stat(file).catch(() => null))) return null;
  const summary = (await readMatrixSummary(file)) ?? (await writeEmbeddingsMatrix(file));
  if (summary.count > 0) return summary;
  // An empty CSV is embedded again; its empty matrix must not outlive it.
  await fs.rm(matrixFiles(file).matrix, { force: true });
  return null;
}
