// evaluateRound: mAP@0.5 (VOC all-point) and COCO AP of a round's model on the fixed validation split.
import { evaluateFolders } from '../core/metrics/map';
import { writeJsonAtomic } from '../core/io/atomic-write';
import { layout } from '../core/workspace-layout';
import type { EvaluateInput, RoundMetrics } from './types';

export async function evaluateRound(input: EvaluateInput): Promise<RoundMetrics> {
  const result = await evaluateFolders(input.gtLabelsDir, input.predictionsDir);
  const metricsPath = layout.metrics(input.projectDir, input.round);
  await writeJsonAtomic(metricsPath, { round: input.round, labelled: input.labelled, ...result });
  return { round: input.round, labelled: input.labelled, map50: result.map50, cocoAp: result.coco_ap, metricsPath };
}
