// Seeded random selection: the same seed and candidates always give the same picks, on any machine.
// PRNG: mulberry32 (32-bit state, period 2^32), enough for shuffling pools; not for cryptography.

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

/** A Fisher-Yates shuffled copy. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const next = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `n` of the candidates (indices or names), uniformly at random, in pick order. */
export function randomSelect<T>(candidates: readonly T[], n: number, seed: number): T[] {
  return seededShuffle(candidates, seed).slice(0, Math.max(0, n));
}
