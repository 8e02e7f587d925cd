// evaluateRound: mAP@0.5 (VOC all-point, and per class when there are several) and COCO AP of a round's
// model on the fixed validation split.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { evaluateFolders } from '../core/metrics/map';
import { writeJsonAtomic } from '../core/io/atomic-write';
import { layout } from '../core/workspace-layout';
import type { EvaluateInput, RoundMetrics } from './types';

export async function evaluateRound(input: EvaluateInput): Promise<RoundMetrics> {
  const result = await evaluateFolders(input.gtLabelsDir, input.predictionsDir);
  const metricsPath = layout.metrics(input.projectDir, input.round);
  // The tao backend leaves TAO's own printed mAP beside the model; it is recorded next to pomona's.
  const tao = await fs
    .readFile(path.join(layout.train(input.projectDir, input.round), 'tao-metrics.json'), 'utf8')
    .then(
      (t) => JSON.parse(t) as unknown,
      () => undefined,
    );
  await writeJsonAtomic(metricsPath, {
    round: input.round,
    labelled: input.labelled,
    ...result,
    ...(tao ? { tao } : {}),
  });
  const perClass = Object.keys(result.ap50_by_class).length > 1 ? { ap50ByClass: result.ap50_by_class } : {};
  return {
    round: input.round,
    labelled: input.labelled,
    map50: result.map50,
    cocoAp: result.coco_ap,
    metricsPath,
    ...perClass,
  };
}
