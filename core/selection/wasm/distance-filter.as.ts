// AssemblyScript source of the float32 SIMD distance kernel used by k-center greedy (k-center-greedy.ts,
// distance-filter.ts). Compiled by `npm run build:wasm` (part of `npm run build`) into dist/distance-filter.wasm.
//
// Exact distances are float64 (in JavaScript); this kernel bounds them cheaply from both sides:
//   s = sum_t (x~_t - c~_t)^2 in float32, x~ and c~ the float32 roundings of the float64 rows.
// With e = 2^-24 (float32 unit roundoff) and g = (D + 3) e / (1 - (D + 3) e), the true distance d obeys
//   sqrt(s (1 - g)) / (1 + e) - e (|x| + |c|) - tiny  <=  d  <=  sqrt((s + D 2^-148) / (1 - g)) + e (|x| + |c|) + tiny
// (rounding of the inputs: |x~ - x| <= e |x|; of each difference: 1 + e; of each square and the sum of
// D terms in any order together: g; D 2^-148: float32 subnormal squares), and the exact float64 distance
// d^ (summed in order) is within a relative 1e-9 of d. Hence:
// - firstCandidateCentre rules a centre out (d^ >= u) when the lower bound is >= u (1 + 1e-9), i.e. when
//     s > ((1 + e) (u (1 + 1e-9) + e (|x| + |c|) + tiny))^2 / (1 - g) (1 + 1e-12) + D 2^-148;
// - tightenUpperBound keeps a row's upper bound of d^ without any float64 distance:
//     d^ <= (sqrt((s + D 2^-148) / (1 - g)) + e (|x| + |c|) + tiny) (1 + 1e-9).
// An upper bound of |x| + |c| over the scanned centres may stand for |x| + |c| (looser, still safe).
// Callers keep row norms <= 1e15 so that no float32 square or sum overflows.
//
// Memory: imported and shared (distance-filter.ts creates it, so that the loop's embeddings can be read
// straight into it and never copied; a shared memory's views stay valid when it grows). Layout (byte
// offsets given to configure and rowStats, from heapBase() on): rows (n x dimPadded float32, padded with
// zeros to a multiple of 4), a copy of each centre's row in centre order, the rows' norm bounds (float64),
// and with sketches the signs, the rows' sketches and the centres' sketches (below).

const E: f64 = 5.960464477539063e-8; // 2^-24
const TINY: f64 = 1e-37;
// Sketches: each row folded to SKETCH values, sketch_j = sum over t = j (mod SKETCH) of sign_t x_t (a
// random-sign projection, up to a factor). They only choose which centre a refresh compares first; no
// bound rests on them, so the picks do not depend on them.
const SKETCH: usize = 16;
// A refresh with at least this many centres to compare looks first at the one its sketch says is nearest.
const SKETCH_FIRST_FROM: i32 = 4;

/** SKETCH, for the caller's memory layout. */
export function sketchWidth(): i32 {
  return <i32>SKETCH;
}

let rowBytes: usize = 0;
let rowsPtr: usize = 0;
let centresPtr: usize = 0;
let sketchPtr: usize = 0; // 0: no sketches
let centreSketchPtr: usize = 0;
let gammaFactor: f64 = 1; // (1 + 1e-12) / (1 - g)
let oneMinusG: f64 = 1;
let subnormalSlack: f64 = 0;
let scanEnd: i32 = 0;

/** The first byte after the module's own data: the caller lays out its regions from here on. */
export function heapBase(): usize {
  return __heap_base;
}

/** Sets the layout (byte offsets; sketches 0 when there are none) and the rounding constants for rows of `dimPadded` float32 values. */
export function configure(dimPadded: i32, rows: usize, centres: usize, sketches: usize, centreSketches: usize): void {
  rowBytes = <usize>dimPadded << 2;
  rowsPtr = rows;
  centresPtr = centres;
  sketchPtr = sketches;
  centreSketchPtr = centreSketches;
  const g = (<f64>(dimPadded + 3) * E) / (1 - <f64>(dimPadded + 3) * E);
  gammaFactor = (1 + 1e-12) / (1 - g);
  oneMinusG = 1 - g;
  subnormalSlack = <f64>dimPadded * 3.6e-45;
}

/** Where the last tightenUpperBound stopped: one past the last centre slot of the range it compared. */
export function lastScanEnd(): i32 {
  return scanEnd;
}

/** The float32 sum of squared differences between two rows of rowBytes bytes. */
@inline
function squaredDistance32(a: usize, b: usize): f64 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let k: usize = 0;
  for (; k + 64 <= rowBytes; k += 64) {
    const d0 = f32x4.sub(v128.load(a + k), v128.load(b + k));
    const d1 = f32x4.sub(v128.load(a + k + 16), v128.load(b + k + 16));
    const d2 = f32x4.sub(v128.load(a + k + 32), v128.load(b + k + 32));
    const d3 = f32x4.sub(v128.load(a + k + 48), v128.load(b + k + 48));
    acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
    acc1 = f32x4.add(acc1, f32x4.mul(d1, d1));
    acc2 = f32x4.add(acc2, f32x4.mul(d2, d2));
    acc3 = f32x4.add(acc3, f32x4.mul(d3, d3));
  }
  for (; k < rowBytes; k += 16) {
    const d0 = f32x4.sub(v128.load(a + k), v128.load(b + k));
    acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
  }
  const acc = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  return <f64>(
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))
  );
}

/**
 * The first centre slot in [from, to) that the float32 bound cannot rule out for `row` (its exact
 * distance might be below u), or `to` when every centre is ruled out. `normBound` is at least |x| + |c|
 * for every centre c in the range.
 */
export function firstCandidateCentre(row: i32, from: i32, to: i32, u: f64, normBound: f64): i32 {
  const r = (1 + E) * (u * (1 + 1e-9) + E * normBound + TINY);
  const threshold = r * r * gammaFactor + subnormalSlack;
  const x = rowsPtr + <usize>row * rowBytes;
  let centre = centresPtr + <usize>from * rowBytes;
  for (let c = from; c < to; c++, centre += rowBytes) {
    if (!(squaredDistance32(x, centre) > threshold)) return c;
  }
  return to;
}

/** s below this might give an upper bound below ub (a cheap test before the square root; 1e-6: its own rounding). */
@inline
function cutFor(ub: f64, offset: f64): f64 {
  if (ub == Infinity) return Infinity;
  const r = ub - offset;
  return r > 0 ? r * r * oneMinusG * (1 + 1e-6) : 0;
}

/** Lowers ub with slots [from, to) in order, stopping after the first that brings it below stopBelow (scanEnd: where it stopped). */
function tightenRange(x: usize, from: i32, to: i32, ub: f64, offset: f64, stopBelow: f64): f64 {
  let cut = cutFor(ub, offset);
  let centre = centresPtr + <usize>from * rowBytes;
  for (let c = from; c < to; c++, centre += rowBytes) {
    const s = squaredDistance32(x, centre);
    if (s < cut) {
      const upper = (Math.sqrt((s + subnormalSlack) / oneMinusG) + offset) * (1 + 1e-9);
      if (upper < ub) {
        ub = upper;
        if (ub < stopBelow) {
          scanEnd = c + 1;
          return ub;
        }
        cut = cutFor(ub, offset);
      }
    }
  }
  scanEnd = to;
  return ub;
}

/** The slot in [from, to) whose sketch is nearest the row's. */
function nearestBySketch(row: i32, from: i32, to: i32): i32 {
  const chunk: usize = SKETCH << 2;
  const x = sketchPtr + <usize>row * chunk;
  let best = from;
  let bestS: f32 = Infinity;
  let centre = centreSketchPtr + <usize>from * chunk;
  for (let c = from; c < to; c++, centre += chunk) {
    let acc = f32x4.splat(0);
    for (let k: usize = 0; k < chunk; k += 16) {
      const d = f32x4.sub(v128.load(x + k), v128.load(centre + k));
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    const s =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    if (s < bestS) {
      bestS = s;
      best = c;
    }
  }
  return best;
}

/**
 * Lowers `ub`, an upper bound of the row's exact distance to its nearest centre so far, with the float32
 * upper bound of its distance to the centre slots [from, to) in order, stopping after the first slot that
 * brings it below `stopBelow`. With sketches and at least SKETCH_FIRST_FROM slots, the slot whose sketch
 * is nearest is compared first; if it alone brings the bound below `stopBelow`, the scan ends there
 * (lastScanEnd() = from: the range is still unseen). Returns the new bound.
 */
export function tightenUpperBound(
  row: i32,
  from: i32,
  to: i32,
  ub: f64,
  normBound: f64,
  stopBelow: f64,
): f64 {
  const x = rowsPtr + <usize>row * rowBytes;
  const offset = E * normBound + TINY;
  if (sketchPtr != 0 && to - from >= SKETCH_FIRST_FROM) {
    const likely = nearestBySketch(row, from, to);
    ub = tightenRange(x, likely, likely + 1, ub, offset, stopBelow);
    if (ub < stopBelow) {
      scanEnd = from;
      return ub;
    }
  }
  return tightenRange(x, from, to, ub, offset, stopBelow);
}

/**
 * One pass over the `n` rows: an upper bound of each row's norm |x| into normsPtr (float64; Infinity or NaN
 * where the row holds a value float32 cannot hold, or a NaN), and with sketches, each row's sketch;
 * signsPtr holds dimPadded float32 +-1. With S = |x~|^2 <= (s + D 2^-148) / (1 - g) and
 * |x - x~| <= e |x| + sqrt(D) 2^-150:  |x| <= (sqrt((s + D 2^-148) / (1 - g)) + tiny) / (1 - e).
 */
export function rowStats(n: i32, normsPtr: usize, signsPtr: usize): void {
  const chunk: usize = SKETCH << 2;
  for (let i = 0; i < n; i++) {
    const row = rowsPtr + <usize>i * rowBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let q0 = f32x4.splat(0);
    let q1 = f32x4.splat(0);
    let q2 = f32x4.splat(0);
    let q3 = f32x4.splat(0);
    let k: usize = 0;
    for (; k + chunk <= rowBytes; k += chunk) {
      const x0 = v128.load(row + k);
      const x1 = v128.load(row + k + 16);
      const x2 = v128.load(row + k + 32);
      const x3 = v128.load(row + k + 48);
      q0 = f32x4.add(q0, f32x4.mul(x0, x0));
      q1 = f32x4.add(q1, f32x4.mul(x1, x1));
      q2 = f32x4.add(q2, f32x4.mul(x2, x2));
      q3 = f32x4.add(q3, f32x4.mul(x3, x3));
      if (sketchPtr != 0) {
        a0 = f32x4.add(a0, f32x4.mul(x0, v128.load(signsPtr + k)));
        a1 = f32x4.add(a1, f32x4.mul(x1, v128.load(signsPtr + k + 16)));
        a2 = f32x4.add(a2, f32x4.mul(x2, v128.load(signsPtr + k + 32)));
        a3 = f32x4.add(a3, f32x4.mul(x3, v128.load(signsPtr + k + 48)));
      }
    }
    const out = sketchPtr + <usize>i * chunk;
    if (sketchPtr != 0) {
      v128.store(out, a0);
      v128.store(out + 16, a1);
      v128.store(out + 32, a2);
      v128.store(out + 48, a3);
    }
    // The rest of a row whose width is not a multiple of SKETCH.
    for (let j: usize = 0; k < rowBytes; k += 16, j += 16) {
      const x0 = v128.load(row + k);
      q0 = f32x4.add(q0, f32x4.mul(x0, x0));
      if (sketchPtr != 0) v128.store(out + j, f32x4.add(v128.load(out + j), f32x4.mul(x0, v128.load(signsPtr + k))));
    }
    const q = f32x4.add(f32x4.add(q0, q1), f32x4.add(q2, q3));
    const sq = <f64>(f32x4.extract_lane(q, 0) + f32x4.extract_lane(q, 1) + (f32x4.extract_lane(q, 2) + f32x4.extract_lane(q, 3)));
    store<f64>(normsPtr + (<usize>i << 3), ((Math.sqrt((sq + subnormalSlack) / oneMinusG) + TINY) / (1 - E)) * (1 + 1e-9));
  }
}
