// `pomona scores --pred DIR`: Lightly's object-detection scores per image, from KITTI predictions.
import type { Command } from 'commander';
import * as path from 'node:path';
import { scoresOfPredictionFolder } from '../../core/scores/prediction-folder';

export function registerScores(program: Command): void {
  program
    .command('scores')
    .description('active-learning scores per image (objectness, uncertainty max/mean/sum, object frequency) as JSON')
    .requiredOption('--pred <dir>', 'KITTI predictions, one <image>.txt (16 fields) per image')
    .action(async (opts: { pred: string }) => {
      console.log(JSON.stringify(Object.fromEntries(await scoresOfPredictionFolder(path.resolve(opts.pred))), null, 2));
    });
}
