// The embeddings bench/selection picks from, one kind per run (--kinds), seeded: the same arguments give
// the same float64 rows on any machine, and run.ts gives those rows to pomona and to every reference.
import { seededNormals, seededShuffle } from '../../core/selection/random';

export const ROW_KINDS = ['gaussian', 'clustered'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

export const CLUSTERS = 64;
/** The spread of a cluster: the noise added to its centre has norm about SPREAD (before normalising). */
export const SPREAD = 0.5;

/**
 * Cluster sizes for `n` rows in `clusters` clusters, Zipf-distributed with exponent 1: cluster j (from 0)
 * gets n * (1 / (j + 1)) / H, H = sum of 1 / (j + 1), rounded down, and the rows left over by rounding go
 * one each to the largest clusters. With n = 100,000: 21,080 rows in the largest, 329 in the smallest.
 */
export function zipfSizes(n: number, clusters: number): number[] {
  let harmonic = 0;
  for (let j = 0; j < clusters; j++) harmonic += 1 / (j + 1);
  const sizes = Array.from({ length: clusters }, (_, j) => Math.floor(n / (j + 1) / harmonic));
  let left = n - sizes.reduce((a, b) => a + b, 0);
  for (let j = 0; left > 0; j = (j + 1) % clusters, left--) sizes[j]++;
  return sizes;
}

/**
 * `n` rows of `dim` values, row-major.
 * - gaussian: independent standard normal values (seededNormals): nothing clustered, every row about
 *   equally far from every other, the hard case for the lazy bounds.
 * - clustered: unit-normalised rows in CLUSTERS clusters of zipfSizes, as image embeddings come (a few
 *   frequent classes, a long tail). Centre c_j = z_j / |z_j| (z_j standard normal in `dim` dimensions, so
 *   random unit vectors, pairwise about sqrt(2) apart); a row of cluster j is
 *     x = y / |y|,  y = c_j + (SPREAD / sqrt(dim)) * e,  e standard normal in `dim` dimensions,
 *   so |y - c_j| is about SPREAD = 0.5, nearly orthogonal to c_j: a row lies at the angle atan(0.5) from
 *   its centre, about 0.46 away after normalising, two rows of one cluster about 0.63 apart, against about
 *   1.41 between centres: clusters distinct, with volume rather than points. Rows of all clusters are
 *   interleaved (the cluster of each row is a seeded shuffle).
 */
export function generateRows(kind: RowKind, n: number, dim: number, seed: number): Float64Array {
  const data = seededNormals(n * dim, seed);
  if (kind === 'gaussian') return data;
  const centres = seededNormals(CLUSTERS * dim, seed + 1);
  for (let j = 0; j < CLUSTERS; j++) normalise(centres, j, dim);
  const labels: number[] = [];
  zipfSizes(n, CLUSTERS).forEach((size, j) => {
    for (let r = 0; r < size; r++) labels.push(j);
  });
  const cluster = seededShuffle(labels, seed + 2);
  const scale = SPREAD / Math.sqrt(dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    const centre = cluster[i] * dim;
    for (let t = 0; t < dim; t++) data[row + t] = centres[centre + t] + scale * data[row + t];
    normalise(data, i, dim);
  }
  return data;
}

function normalise(values: Float64Array, row: number, dim: number): void {
  let sq = 0;
  for (let t = row * dim; t < (row + 1) * dim; t++) sq += values[t] * values[t];
  const norm = Math.sqrt(sq);
  for (let t = row * dim; t < (row + 1) * dim; t++) values[t] /= norm;
}
