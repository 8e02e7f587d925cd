// `pomona evaluate --gt DIR --pred DIR`: mAP@0.5 (VOC all-point) and COCO AP of KITTI predictions.
import type { Command } from 'commander';
import * as path from 'node:path';
import { evaluateFolders } from '../../core/metrics/map';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score KITTI predictions (16 fields) against KITTI ground truth; prints JSON with map50 and coco_ap')
    .requiredOption('--gt <dir>', 'ground-truth labels, one <image>.txt per image')
    .requiredOption('--pred <dir>', 'predictions, one <image>.txt per image (missing file = no detections)')
    .action(async (opts: { gt: string; pred: string }) => {
      const result = await evaluateFolders(path.resolve(opts.gt), path.resolve(opts.pred));
      console.log(JSON.stringify(result, null, 2));
    });
}
