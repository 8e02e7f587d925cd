// Candidates without near-duplicates: the loop's selection on the images LightlyStudio's deduplication
// keeps (activities/lightly-studio/deduplicate.ts), whatever the method. Near-duplicate frames of a video
// have nearly the same score and the same place in the embedding space, so a batch taken by score alone
// (UNCERTAINTY) or at random from a redundant pool spends labels on copies.

/**
 * The candidates among `kept` rows, when there are at least `count` of them; otherwise every candidate,
 * so a batch is never cut short once the pool has no more distinct images (the later rounds of a small pool).
 */
export function deduplicatedCandidates(
  candidates: readonly number[],
  kept: ReadonlySet<number>,
  count: number,
): number[] {
  const distinct = candidates.filter((row) => kept.has(row));
  return distinct.length >= count ? distinct : [...candidates];
}
