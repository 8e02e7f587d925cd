// Learning-curve arithmetic of the label-efficiency benchmark: mean and spread per strategy, and how many
// labels a strategy needs to reach a target mAP.
export interface RoundResult {
  labelled: number;
  map50: number;
  /** mAP@0.5 on the validation images of each scene kind (synthetic pools). */
  byScene?: Record<string, number>;
}

export interface Run {
  strategy: string;
  seed: number;
  rounds: RoundResult[];
}

export interface CurvePoint {
  labelled: number;
  mean: number;
  min: number;
  max: number;
  n: number;
}

/** Per strategy, one point per labelled count: mean, min and max of mAP over the seeds that reached it. */
export function curves(runs: readonly Run[]): Map<string, CurvePoint[]> {
  const out = new Map<string, CurvePoint[]>();
  for (const strategy of [...new Set(runs.map((r) => r.strategy))]) {
    const byCount = new Map<number, number[]>();
    for (const run of runs.filter((r) => r.strategy === strategy)) {
      for (const round of run.rounds)
        byCount.set(round.labelled, [...(byCount.get(round.labelled) ?? []), round.map50]);
    }
    const points = [...byCount.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([labelled, v]) => ({
        labelled,
        mean: v.reduce((a, b) => a + b, 0) / v.length,
        min: Math.min(...v),
        max: Math.max(...v),
        n: v.length,
      }));
    out.set(strategy, points);
  }
  return out;
}

/**
 * Labels at which a mean curve first reaches `target`, linearly interpolated between the two labelled counts
 * around the crossing:  L = L0 + (target - m0) / (m1 - m0) * (L1 - L0).  The first point already at or above
 * target gives its own count; null when the curve never reaches it.
 */
export function labelsToReach(points: readonly CurvePoint[], target: number): number | null {
  for (let i = 0; i < points.length; i++) {
    if (points[i].mean < target) continue;
    if (i === 0) return points[0].labelled;
    const [a, b] = [points[i - 1], points[i]];
    return a.labelled + ((target - a.mean) / (b.mean - a.mean)) * (b.labelled - a.labelled);
  }
  return null;
}
