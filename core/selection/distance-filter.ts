// The float32 SIMD distance kernel (wasm/distance-filter.as.ts, built into dist/distance-filter.wasm):
// proven float32 upper bounds of the exact distances, which k-center greedy keeps as its rows' bounds,
// and lower bounds that rule out the centres that cannot be a row's nearest, so that exact float64
// distances are computed only for the few that might; sketches of wide rows guess which centre is nearest.
// Picks do not depend on it: without the filter (not built, no WebAssembly SIMD, rows longer than float32's
// safe range, more than 4 GiB of rows) the same picks come from exact distances alone, only slower.
// The kernel's memory is a shared WebAssembly memory made here. The loop's float32 embeddings are read
// straight into one (allocateEmbeddingValues), so a filter over them uses them in place: no float32 copy
// of N x D, only the filter's own O(N) regions after them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../io/repository-root';
import type { EmbeddingValues } from './embeddings-csv';
import { mulberry32 } from './random';

/** Rows longer than this could overflow float32 squares: no filter for them. */
const SAFE_NORM = 1e15;
/** 2^-24, float32's unit roundoff. */
const FLOAT32_ROUNDOFF = 5.960464477539063e-8;
const PAGE_BYTES = 65536;
/** The module's memory is declared with 65536 pages at most (package.json's build:wasm): 4 GiB. */
const MAX_PAGES = 65536;
const MAX_WASM_BYTES = 4 * 1024 ** 3 - 64 * 1024 ** 2;

interface FilterExports {
  heapBase(): number;
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
  /** False when the rows were used where they lie (allocateEmbeddingValues), true when copied into the kernel. */
  readonly copiedRows: boolean;
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
  /**
   * At least the upper bound tightenUpperBound gives any row for a centre equal to it in float32: below it
   * the kernel cannot tell a copy from a near-copy, only an exact distance can.
   */
  readonly zeroLevel: number;
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

/** A shared memory for the kernel and how many of its bytes are laid out (a bump allocator). */
interface KernelMemory {
  memory: WebAssembly.Memory;
  used: number;
}

let heapBase: number | undefined;

const instantiate = (module: WebAssembly.Module, kernel: KernelMemory) =>
  new WebAssembly.Instance(module, { env: { memory: kernel.memory } }).exports as unknown as FilterExports;

function newKernelMemory(module: WebAssembly.Module): KernelMemory {
  const kernel = { memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }), used: 0 };
  heapBase ??= instantiate(module, kernel).heapBase();
  kernel.used = Math.ceil(heapBase / 16) * 16;
  return kernel;
}

/**
 * The byte offset of `bytes` more bytes (16-aligned), growing the memory; null beyond MAX_WASM_BYTES or
 * when the memory cannot grow (the caller then goes without the kernel, or with plain memory).
 */
function reserve(kernel: KernelMemory, bytes: number): number | null {
  const at = kernel.used;
  const end = at + Math.ceil(bytes / 16) * 16;
  if (end > MAX_WASM_BYTES) return null;
  const pages = Math.ceil(end / PAGE_BYTES) - kernel.memory.buffer.byteLength / PAGE_BYTES;
  if (pages > 0) {
    try {
      kernel.memory.grow(pages);
    } catch {
      return null;
    }
  }
  kernel.used = end;
  return at;
}

/** Rows laid out in a kernel memory by allocateEmbeddingValues (n x dim float32 from `at`, dim a multiple of 4). */
interface PlacedRows {
  kernel: KernelMemory;
  at: number;
  n: number;
  dim: number;
}

const placedRows = new WeakMap<Float32Array, PlacedRows>();

/**
 * Room for `n` x `dim` float32 values where the kernel can read them as they are (a filter over exactly
 * this array copies nothing), or a plain Float32Array where it cannot (no module, a width that is not a
 * multiple of 4, more than the kernel's 4 GiB). Zero-filled; the caller writes the rows in.
 */
export function allocateEmbeddingValues(n: number, dim: number): Float32Array {
  const module = distanceFilterModule();
  if (module && n > 0 && dim > 0 && dim % 4 === 0) {
    const kernel = newKernelMemory(module);
    const at = reserve(kernel, n * dim * 4);
    if (at !== null) {
      const values = new Float32Array(kernel.memory.buffer, at, n * dim);
      placedRows.set(values, { kernel, at, n, dim });
      return values;
    }
  }
  return new Float32Array(n * dim);
}

/**
 * A filter over `n` rows of `dim` values with room for `capacity` centres, or null when it cannot be used
 * for these rows (see the top of this file), among them rows holding a NaN or an infinite value (the
 * caller checks the rows then, firstNonFiniteRow). Rows from allocateEmbeddingValues are used in place;
 * others are copied (float32 as they are, float64 rounded). A filter is good until the next one is made
 * over the same placed rows (it reuses their working memory): use each within one synchronous run.
 */
export function createDistanceFilter(
  data: EmbeddingValues,
  n: number,
  dim: number,
  capacity: number,
): DistanceFilter | null {
  const module = distanceFilterModule();
  if (!module || n === 0 || dim === 0) return null;
  const placed = data instanceof Float32Array ? placedRows.get(data) : undefined;
  const inPlace = placed !== undefined && placed.n === n && placed.dim === dim;
  const dimPadded = Math.ceil(dim / 4) * 4;
  const rowBytes = dimPadded * 4;
  const sketched = dim >= SKETCH_MIN_DIM;
  const kernel = inPlace ? placed.kernel : newKernelMemory(module);
  const wasm = instantiate(module, kernel);
  const sketchWidth = wasm.sketchWidth();
  // The regions after the rows: centres, norms, and with sketches the signs and the sketches.
  const after = capacity * rowBytes + n * 8 + (sketched ? rowBytes + (n + capacity) * sketchWidth * 4 : 0);
  let rowsPtr: number | null;
  if (inPlace) {
    kernel.used = placed.at + n * rowBytes; // right after the rows: the last filter's regions are free again
    rowsPtr = reserve(kernel, after) === null ? null : placed.at;
  } else rowsPtr = reserve(kernel, n * rowBytes + after);
  if (rowsPtr === null) return null;
  const centresPtr = rowsPtr + n * rowBytes;
  const normsPtr = centresPtr + capacity * rowBytes;
  const signsPtr = normsPtr + n * 8;
  const sketchPtr = signsPtr + rowBytes;
  const centreSketchPtr = sketchPtr + n * sketchWidth * 4;
  wasm.configure(dimPadded, rowsPtr, centresPtr, sketched ? sketchPtr : 0, centreSketchPtr);

  const buffer = kernel.memory.buffer;
  const rows = new Float32Array(buffer, rowsPtr, (n + capacity) * dimPadded);
  if (!inPlace) {
    if (dimPadded === dim) rows.set(data);
    else for (let i = 0; i < n; i++) rows.set(data.subarray(i * dim, (i + 1) * dim), i * dimPadded);
  }
  const sketches = sketched ? new Float32Array(buffer, sketchPtr, (n + capacity) * sketchWidth) : null;
  if (sketched) {
    // Fixed signs (a seeded generator): the same sketches, so the same speed, in every run.
    const rand = mulberry32(0x5eed);
    const signs = new Float32Array(buffer, signsPtr, dimPadded);
    for (let t = 0; t < dimPadded; t++) signs[t] = rand() < 0.5 ? -1 : 1;
  }
  wasm.rowStats(n, normsPtr, signsPtr);
  const rowNorms = new Float64Array(buffer, normsPtr, n);
  let largestRowNorm = 0;
  for (let i = 0; i < n; i++) {
    if (!(rowNorms[i] <= SAFE_NORM)) return null;
    largestRowNorm = Math.max(largestRowNorm, rowNorms[i]);
  }
  let count = 0;
  let largestCentreNorm = 0;
  // At least |x| + |c| for every centre so far (rowStats' norms are upper bounds).
  const normBound = (row: number) => rowNorms[row] + largestCentreNorm;

  return {
    copiedRows: !inPlace,
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
    // The kernel's bound at s = 0 is (sqrt(D 2^-148 / (1 - g)) + 2^-24 (|x| + |c|) + 1e-37) (1 + 1e-9)
    // (wasm/distance-filter.as.ts), |x| + |c| at most twice the largest row norm; twice its terms, rounded
    // up, keep clear of every rounding. One number for every row, so that the engine reads it once.
    zeroLevel: 2 * (FLOAT32_ROUNDOFF * 2 * largestRowNorm + 1e-21 * Math.sqrt(dimPadded)),
  };
}
