// Scores read from a folder of KITTI predictions (one `<image name>.txt` per image), for CORAL and the CLI.
import * as path from 'node:path';
import { readKittiFolder } from '../formats/kitti-folder';
import { detectionScores, type ImageScores, type ScoreName } from './detection';

/** Scores per image: of every file in `dir`, or of `names` (a missing file means no boxes). */
export async function scoresOfPredictionFolder(
  dir: string,
  names?: readonly string[],
): Promise<Map<string, ImageScores>> {
  return detectionScores(await readKittiFolder(dir, 'prediction', names, names !== undefined));
}

/** One `score` per embedding row; rows are image file names (`<image name><ext>`). */
export async function rowScores(dir: string, rowFiles: readonly string[], score: ScoreName): Promise<Float64Array> {
  const names = rowFiles.map((f) => path.basename(f, path.extname(f)));
  const perImage = await scoresOfPredictionFolder(dir, names);
  return Float64Array.from(names, (name) => perImage.get(name)![score]);
}
