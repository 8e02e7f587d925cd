// `pomona scores --pred DIR`: Lightly's object-detection scores per image, from KITTI predictions.
import type { Command } from 'commander';
import * as path from 'node:path';
import { readKittiFolder } from '../../core/formats/kitti-folder';
import { detectionScores, type ImageScores } from '../../core/scores/detection';

export async function scoresOfFolder(dir: string): Promise<Map<string, ImageScores>> {
  return detectionScores(await readKittiFolder(path.resolve(dir), 'prediction', undefined, false));
}

export function registerScores(program: Command): void {
  program
    .command('scores')
    .description('active-learning scores per image (objectness, uncertainty max/mean/sum, object frequency) as JSON')
    .requiredOption('--pred <dir>', 'KITTI predictions, one <image>.txt (16 fields) per image')
    .action(async (opts: { pred: string }) => {
      console.log(JSON.stringify(Object.fromEntries(await scoresOfFolder(opts.pred)), null, 2));
    });
}
