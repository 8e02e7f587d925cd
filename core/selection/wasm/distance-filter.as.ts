// AssemblyScript source of the float32 SIMD distance filter used by k-center greedy (k-center-greedy.ts,
// distance-filter.ts). Compiled by scripts/build-wasm.ts into dist/distance-filter.wasm.
//
// The exact distances stay float64 (in JavaScript). This kernel only proves, cheaply, that a centre
// cannot bring a row's distance below its current bound u, so that most exact evaluations are skipped:
//   s = sum_t (x~_t - c~_t)^2 in float32, x~ and c~ the float32 roundings of the float64 rows.
// With e = 2^-24 (float32 unit roundoff) and g = (D + 3) e / (1 - (D + 3) e), the true distance d obeys
//   d >= sqrt(s (1 - g)) / (1 + e) - e (|x| + |c|) - tiny
// (rounding of the inputs: |x~ - x| <= e |x|; of each difference: 1 + e; of each square and the sum of
// D terms in any order together: g). The centre is ruled out when that bound is >= u (1 + 1e-9), i.e. when
//   s > ((1 + e) (u (1 + 1e-9) + e (|x| + |c|) + tiny))^2 / (1 - g) (1 + 1e-12) + D 2^-148,
// where an upper bound of |x| + |c| over the scanned centres may stand for |x| + |c| (a looser, still safe test).
// the last factors covering the float64 rounding of this threshold and float32 subnormal squares.
// Callers keep |values| <= 1e15 so that no float32 square or sum overflows.
//
// Memory layout (byte offsets set by the caller): rows (n x dimPadded float32, padded with zeros to a
// multiple of 4), then a copy of each centre's row in centre order.

const E: f64 = 5.960464477539063e-8; // 2^-24
const TINY: f64 = 1e-37;

let gammaFactor: f64 = 1; // 1 / (1 - g), set by configure
let subnormalSlack: f64 = 0;

/** Makes room for `bytes` bytes after the module's data; returns the first usable byte offset. */
export function reserve(bytes: usize): usize {
  const base = (__heap_base + 15) & ~15;
  const needed = base + bytes;
  const have = <usize>memory.size() << 16;
  if (needed > have) {
    const pages = <i32>((needed - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return base;
}

/** Sets the rounding constants for rows of `dimPadded` float32 values. */
export function configure(dimPadded: i32): void {
  const g = (<f64>(dimPadded + 3) * E) / (1 - <f64>(dimPadded + 3) * E);
  gammaFactor = (1 + 1e-12) / (1 - g);
  subnormalSlack = <f64>dimPadded * 3.6e-45;
}

/**
 * The first centre slot in [from, to) that the float32 bound cannot rule out for the row at `rowPtr` (its
 * exact distance might be below u), or `to` when every centre is ruled out. Centre rows are stored one
 * after another at `centresPtr` (a copy, so the scan reads memory in order); `normBound` is at least
 * |x| + |c| for every centre c in the range.
 */
export function firstCandidateCentre(
  rowPtr: usize,
  centresPtr: usize,
  dimPadded: i32,
  from: i32,
  to: i32,
  u: f64,
  normBound: f64,
): i32 {
  const rowBytes = <usize>dimPadded << 2;
  const r = (1 + E) * (u * (1 + 1e-9) + E * normBound + TINY);
  const threshold = r * r * gammaFactor + subnormalSlack;
  let centre = centresPtr + <usize>from * rowBytes;
  for (let c = from; c < to; c++, centre += rowBytes) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let k: usize = 0;
    for (; k + 32 <= rowBytes; k += 32) {
      const d0 = f32x4.sub(v128.load(rowPtr + k), v128.load(centre + k));
      const d1 = f32x4.sub(v128.load(rowPtr + k + 16), v128.load(centre + k + 16));
      acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
      acc1 = f32x4.add(acc1, f32x4.mul(d1, d1));
    }
    if (k < rowBytes) {
      const d0 = f32x4.sub(v128.load(rowPtr + k), v128.load(centre + k));
      acc0 = f32x4.add(acc0, f32x4.mul(d0, d0));
    }
    const acc = f32x4.add(acc0, acc1);
    const s =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    if (!(<f64>s > threshold)) return c;
  }
  return to;
}
