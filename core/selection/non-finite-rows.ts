// One pass over row-major rows for the first that holds a NaN or infinite value, which
// selection refuses (naming the row). The float32 kernel rules such rows out in its own pass
// (distance-filter.ts); this pass runs only where that kernel is not used.
import type { EmbeddingValues } from './embeddings-csv';

/** The first row holding a NaN or infinite value, or -1. */
export function firstNonFiniteRow(data: EmbeddingValues, n: number, dim: number): number {
  for (let i = 0; i < n; i++) {
    // A NaN or infinite value makes the sum non-finite (so may huge finite values: check the row itself).
    let sum = 0;
    for (let t = i * dim, end = t + dim; t < end; t++) sum += data[t] * data[t];
    if (!Number.isFinite(sum) && !data.subarray(i * dim, (i + 1) * dim).every(Number.isFinite)) return i;
  }
  return -1;
}
