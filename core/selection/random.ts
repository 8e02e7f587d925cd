// Seeded random selection: the same seed and the same candidate list (in the same order) always give the
// same picks, on any machine and Node version.
//
// PRNG: mulberry32 (Tommy Ettinger's 32-bit generator; state s, period 2^32):
//   s = s + 0x6D2B79F5 (mod 2^32); t = s
//   t = (t ^ t >>> 15) * (t | 1); t ^= t + (t ^ t >>> 7) * (t | 61); out = (t ^ t >>> 14) / 2^32
// with 32-bit multiplications (Math.imul). Enough to shuffle pools; not for cryptography.

/** A generator of floats in [0, 1); the seed is taken modulo 2^32 (non-integers truncated). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher-Yates from the end: position i swaps with floor(u * (i + 1))). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const next = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * `n` of the candidates (indices or names), uniformly at random, in pick order; `preselected` ones
 * (already labelled) are never picked. Fewer than `n` when fewer remain.
 */
export function randomSelect<T>(candidates: readonly T[], n: number, seed: number, preselected: Iterable<T> = []): T[] {
  const excluded = new Set(preselected);
  // Each candidate once, first occurrence kept: a repeated entry must not be picked twice.
  const open = [...new Set(candidates)].filter((c) => !excluded.has(c));
  return seededShuffle(open, seed).slice(0, Math.max(0, Math.floor(n)));
}

/** `count` independent standard normal values (Box-Muller on mulberry32: a pair per two uniforms). */
export function seededNormals(count: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - rand()));
    const angle = 2 * Math.PI * rand();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < count) values[i + 1] = radius * Math.sin(angle);
  }
  return values;
}
