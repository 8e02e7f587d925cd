// The float32 SIMD distance kernel (wasm/distance-filter.as.ts, built into dist/distance-filter.wasm):
// proven float32 upper bounds of the exact distances, which k-center greedy keeps as its rows' bounds,
// and lower bounds that rule out the centres that cannot be a row's nearest, so that exact float64
// distances are computed only for the few that might; sketches of wide rows guess which centre is nearest.
// Picks do not depend on it: without the filter (not built, no WebAssembly SIMD, rows longer than float32's
// safe range, more than 4 GiB of rows) the same picks come from exact distances alone, only slower.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../io/repository-root';
import type { EmbeddingValues } from './embeddings-csv';
import { mulberry32 } from './random';

/** Rows longer than this could overflow float32 squares: no filter for them. */
const SAFE_NORM = 1e15;
const MAX_WASM_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

interface FilterExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  configure(dimPadded: number, rows: number, centres: number, sketches: number, centreSketches: number): void;
  firstCandidateCentre(row: number, from: number, to: number, u: number, normBound: number): number;
  tightenUpperBound(row: number, from: number, to: number, ub: number, normBound: number, stopBelow: number): number;
  lastScanEnd(): number;
  sketchWidth(): number;
  rowStats(n: number, normsPtr: number, signsPtr: number): void;
}

/** Rows narrower than this get no sketch (measured: at D = 64 sketches cost more than they save). */
const SKETCH_MIN_DIM = 128;

export interface DistanceFilter {
  /** Appends a centre (a row index) as the next slot. */
  addCentre(row: number): void;
  /**
   * The first centre slot in [from, to) whose exact distance to `row` might be below `u`, or `to` when the
   * float32 bound proves every one of them at least `u` away.
   */
  firstCandidateCentre(row: number, from: number, to: number, u: number): number;
  /**
   * Lowers `ub`, an upper bound of the row's exact distance to its nearest centre so far, with a proven
   * float32 upper bound of its distance to each centre slot in [from, to), in order, stopping after the
   * first slot that brings it below `stopBelow`; returns the new bound. scanEnd(): the slots before it are
   * accounted for (`from` when the centre its sketch says is nearest settled it alone).
   */
  tightenUpperBound(row: number, from: number, to: number, ub: number, stopBelow: number): number;
  scanEnd(): number;
}

export function distanceFilterWasmPath(): string {
  return path.join(repositoryRoot(), 'dist', 'distance-filter.wasm');
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when it is not built or this runtime lacks WebAssembly SIMD. */
export function distanceFilterModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new WebAssembly.Module(fs.readFileSync(distanceFilterWasmPath()));
  } catch {
    compiled = null;
  }
  return compiled;
}

/**
 * A filter over `n` rows of `dim` values (float32 rows are copied as they are, float64 ones rounded) with room for `capacity` centres, or null when it
 * cannot be used for these rows (see the top of this file), among them rows holding a NaN or an
 * infinite value (the caller checks the rows then, firstNonFiniteRow).
 */
export function createDistanceFilter(
  data: EmbeddingValues,
  n: number,
  dim: number,
  capacity: number,
): DistanceFilter | null {
  const module = distanceFilterModule();
  if (!module || n === 0 || dim === 0) return null;
  const dimPadded = Math.ceil(dim / 4) * 4;
  const rowBytes = dimPadded * 4;
  const wasm = new WebAssembly.Instance(module, {}).exports as unknown as FilterExports;
  const sketchWidth = wasm.sketchWidth();
  const sketched = dim >= SKETCH_MIN_DIM;
  const sketchBytes = sketched ? rowBytes + (n + capacity) * sketchWidth * 4 : 0;
  const total = (n + capacity) * rowBytes + n * 8 + sketchBytes;
  if (total > MAX_WASM_BYTES) return null;
  const rowsPtr = wasm.reserve(total);
  if (rowsPtr === 0) return null;
  const centresPtr = rowsPtr + n * rowBytes;
  const normsPtr = centresPtr + capacity * rowBytes;
  const signsPtr = normsPtr + n * 8;
  const sketchPtr = signsPtr + rowBytes;
  const centreSketchPtr = sketchPtr + n * sketchWidth * 4;
  wasm.configure(dimPadded, rowsPtr, centresPtr, sketched ? sketchPtr : 0, centreSketchPtr);

  const rows = new Float32Array(wasm.memory.buffer, rowsPtr, (n + capacity) * dimPadded);
  if (dimPadded === dim) rows.set(data);
  else for (let i = 0; i < n; i++) rows.set(data.subarray(i * dim, (i + 1) * dim), i * dimPadded);
  const sketches = sketched ? new Float32Array(wasm.memory.buffer, sketchPtr, (n + capacity) * sketchWidth) : null;
  if (sketched) {
    // Fixed signs (a seeded generator): the same sketches, so the same speed, in every run.
    const rand = mulberry32(0x5eed);
    const signs = new Float32Array(wasm.memory.buffer, signsPtr, dimPadded);
    for (let t = 0; t < dimPadded; t++) signs[t] = rand() < 0.5 ? -1 : 1;
  }
  wasm.rowStats(n, normsPtr, signsPtr);
  const rowNorms = new Float64Array(wasm.memory.buffer, normsPtr, n);
  for (let i = 0; i < n; i++) if (!(rowNorms[i] <= SAFE_NORM)) return null;
  let count = 0;
  let largestCentreNorm = 0;
  // At least |x| + |c| for every centre so far (rowStats' norms are upper bounds).
  const normBound = (row: number) => rowNorms[row] + largestCentreNorm;

  return {
    addCentre(row) {
      if (count >= capacity) throw new RangeError(`distance filter: more than ${capacity} centres`);
      rows.copyWithin((n + count) * dimPadded, row * dimPadded, (row + 1) * dimPadded);
      sketches?.copyWithin((n + count) * sketchWidth, row * sketchWidth, (row + 1) * sketchWidth);
      largestCentreNorm = Math.max(largestCentreNorm, rowNorms[row]);
      count++;
    },
    firstCandidateCentre(row, from, to, u) {
      return wasm.firstCandidateCentre(row, from, to, u, normBound(row));
    },
    tightenUpperBound(row, from, to, ub, stopBelow) {
      return wasm.tightenUpperBound(row, from, to, ub, normBound(row), stopBelow);
    },
    scanEnd: () => wasm.lastScanEnd(),
  };
}
