// One pass over row-major float64 rows: each row's Euclidean norm and the largest magnitude, which
// k-center greedy needs to check its input and to bound float32 rounding (distance-filter.ts).
export interface RowNorms {
  norms: Float64Array;
  /** max |value| over the finite values. */
  largestMagnitude: number;
  /** The first row holding a NaN or infinite value, or -1. */
  firstNonFiniteRow: number;
}

export function rowNorms(data: Float64Array, n: number, dim: number): RowNorms {
  const norms = new Float64Array(n);
  let largest = 0;
  let firstNonFiniteRow = -1;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    let rowLargest = 0;
    for (let t = i * dim, end = t + dim; t < end; t++) {
      const v = data[t];
      sq += v * v;
      const a = Math.abs(v);
      if (a > rowLargest && a < Infinity) rowLargest = a;
    }
    norms[i] = Math.sqrt(sq);
    if (rowLargest > largest) largest = rowLargest;
    // A NaN or infinite value makes sq non-finite (so may huge finite values: check the row itself).
    if (firstNonFiniteRow < 0 && !Number.isFinite(sq) && !data.subarray(i * dim, (i + 1) * dim).every(Number.isFinite))
      firstNonFiniteRow = i;
  }
  return { norms, largestMagnitude: largest, firstNonFiniteRow };
}
