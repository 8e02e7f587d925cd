// The float32 SIMD distance filter (wasm/distance-filter.as.ts, built into dist/distance-filter.wasm):
// it rules out, with a proven error bound, the centres that cannot lower a row's nearest-centre
// distance, so k-center greedy computes exact float64 distances only for the few that might.
// Picks do not depend on it: without the filter (not built, no WebAssembly SIMD, values beyond float32's
// safe range, more than 4 GiB of rows) the same picks come from exact distances alone, only slower.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../io/repository-root';
import type { RowNorms } from './row-norms';

/** Rows whose values exceed this in magnitude could overflow float32 squares: no filter for them. */
const SAFE_MAGNITUDE = 1e15;
const MAX_WASM_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

interface FilterExports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  configure(dimPadded: number): void;
  firstCandidateCentre(
    rowPtr: number,
    centresPtr: number,
    dimPadded: number,
    from: number,
    to: number,
    u: number,
    normBound: number,
  ): number;
}

export interface DistanceFilter {
  /** Appends a centre (a row index) as the next slot. */
  addCentre(row: number): void;
  /**
   * The first centre slot in [from, to) whose exact distance to `row` might be below `u`, or `to` when the
   * float32 bound proves every one of them at least `u` away.
   */
  firstCandidateCentre(row: number, from: number, to: number, u: number): number;
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
 * A filter over `n` rows of `dim` float64 values with room for `capacity` centres, or null when it
 * cannot be used for these rows (see the top of this file). `stats`: rowNorms(data, n, dim).
 */
export function createDistanceFilter(
  data: Float64Array,
  n: number,
  dim: number,
  capacity: number,
  stats: RowNorms,
): DistanceFilter | null {
  const module = distanceFilterModule();
  if (!module || n === 0 || dim === 0) return null;
  if (!(stats.largestMagnitude <= SAFE_MAGNITUDE)) return null;
  const dimPadded = Math.ceil(dim / 4) * 4;
  const rowBytes = dimPadded * 4;
  const total = (n + capacity) * rowBytes;
  if (total > MAX_WASM_BYTES) return null;

  const wasm = new WebAssembly.Instance(module, {}).exports as unknown as FilterExports;
  const rowsPtr = wasm.reserve(total);
  if (rowsPtr === 0) return null;
  const centresPtr = rowsPtr + n * rowBytes;
  wasm.configure(dimPadded);

  const rows = new Float32Array(wasm.memory.buffer, rowsPtr, (n + capacity) * dimPadded);
  if (dimPadded === dim) rows.set(data);
  else for (let i = 0; i < n; i++) rows.set(data.subarray(i * dim, (i + 1) * dim), i * dimPadded);
  const rowNorms = stats.norms;
  let count = 0;
  let largestCentreNorm = 0;

  return {
    addCentre(row) {
      if (count >= capacity) throw new RangeError(`distance filter: more than ${capacity} centres`);
      rows.copyWithin((n + count) * dimPadded, row * dimPadded, (row + 1) * dimPadded);
      largestCentreNorm = Math.max(largestCentreNorm, rowNorms[row]);
      count++;
    },
    firstCandidateCentre(row, from, to, u) {
      // 1.000001: the float64 rounding of the norms, far inside the test's margin.
      const normBound = (rowNorms[row] + largestCentreNorm) * 1.000001;
      return wasm.firstCandidateCentre(rowsPtr + row * rowBytes, centresPtr, dimPadded, from, to, u, normBound);
    },
  };
}
