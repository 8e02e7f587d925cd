// Scores read from a folder of KITTI predictions (one `<image name>.txt` per image), for CORAL and the CLI.
// A detector of several classes writes `<image name>.probs` beside each file: per KITTI line, the K class
// probabilities of that box, which the uncertainty scores then use instead of a one-class [s, 1 - s].
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Box } from '../formats/kitti';
import { readKittiFolder } from '../formats/kitti-folder';
import { detectionScores, type ImageScores, type ScoreName } from './detection';

/** Scores per image: of every file in `dir`, or of `names` (a missing file means no boxes). */
export async function scoresOfPredictionFolder(
  dir: string,
  names?: readonly string[],
): Promise<Map<string, ImageScores>> {
  const predictions = await readKittiFolder(dir, 'prediction', names, names !== undefined);
  for (const [name, boxes] of predictions) await attachProbabilities(path.join(dir, `${name}.probs`), boxes);
  return detectionScores(predictions);
}

/** Reads `<image>.probs` into the boxes (line i belongs to box i); no file: a one-class detector's boxes. */
async function attachProbabilities(file: string, boxes: Box[]): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return;
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (rows.length !== boxes.length)
    throw new Error(`${file}: ${rows.length} lines of class probabilities for ${boxes.length} boxes`);
  rows.forEach((row, i) => {
    const p = row.trim().split(/\s+/).map(Number);
    if (p.length < 2 || p.some((v) => !Number.isFinite(v) || v < 0 || v > 1))
      throw new Error(`${file}:${i + 1}: expected two or more class probabilities in 0..1, found "${row}"`);
    boxes[i].probs = p;
  });
}

/** One `score` per embedding row; rows are image file names (`<image name><ext>`). */
export async function rowScores(dir: string, rowFiles: readonly string[], score: ScoreName): Promise<Float64Array> {
  const names = rowFiles.map((f) => path.basename(f, path.extname(f)));
  const perImage = await scoresOfPredictionFolder(dir, names);
  return Float64Array.from(names, (name) => perImage.get(name)![score]);
}
