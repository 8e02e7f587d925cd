// UNCERTAINTY: the candidates with the highest scores, the plain baseline that a 2024 reality check of
// active learning (Gashi et al., arXiv 2403.14800) finds hard to beat:
//   picks = the `count` candidates with the largest score(i), ties to the LOWEST index
// Scores must be finite (any sign); picks come best first.

/** Candidate rows ordered by score, highest first (ties: lowest index first). */
export function rankByScore(candidates: readonly number[], scores: ArrayLike<number>): number[] {
  for (const i of candidates) {
    if (!Number.isFinite(scores[i]))
      throw new RangeError(`uncertainty: score of row ${i} is ${scores[i]}; scores must be finite`);
  }
  return [...candidates].sort((a, b) => scores[b] - scores[a] || a - b);
}

export function uncertaintySelect(candidates: readonly number[], scores: ArrayLike<number>, count: number): number[] {
  return rankByScore(candidates, scores).slice(0, Math.max(0, count));
}
