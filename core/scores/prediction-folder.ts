// Scores read from a folder of KITTI predictions (one `<image name>.txt` per image, or a round's shards'
// predictions tables, core/formats/pool-predictions.ts), for CORAL and the CLI.
// A detector of several classes writes `<image name>.probs` beside each file: per KITTI line, the K class
// probabilities of that box, which the uncertainty scores then use instead of a one-class [s, 1 - s].
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileStem } from '../formats/images';
import { parseKitti, type Box } from '../formats/kitti';
import { readKittiFolder } from '../formats/kitti-folder';
import { formatProblem } from '../formats/problem';
import { forEachPoolPrediction, predictionTables, readPoolPredictions } from '../formats/pool-predictions';
import { rowLookup } from '../selection/row-lookup';
import { readScoreTable, SCORE_TABLE_HEADER, scoreTableLine, scoreTableOf } from './score-table';
import { writeFileAtomic } from '../io/atomic-write';
import { detectionScores, imageScores, objectFrequencies, type ImageScores, type ScoreName } from './detection';
import { turnEvery } from '../io/event-loop-turn';

/** Malformed lines quoted in the error (all are counted). */
const PROBLEMS_QUOTED = 20;

/**
 * Scores per image: of every image in `dir` (a KITTI file per image, or a round's shards' tables), or of
 * `names` (an image without a file or a line has no boxes).
 */
export async function scoresOfPredictionFolder(
  dir: string,
  names?: readonly string[],
): Promise<Map<string, ImageScores>> {
  if (await predictionTables(dir)) {
    // A round's pool predictions in shards' tables: an image of `names` in none has no boxes.
    const predictions = await readPoolPredictions(dir, names);
    for (const name of names ?? []) if (!predictions.has(name)) predictions.set(name, []);
    return detectionScores(predictions);
  }
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

/**
 * Visits each image of `names` with its scores (`object_frequency` raw, before the dataset-wide mapping),
 * in order. Streams: each image's boxes are read, scored and dropped, so memory holds no boxes (a million
 * images' boxes took more than 3 GB), and one listing of the folder says which images have boxes and class
 * probabilities, instead of a failed open per image without them (a missing file means no boxes).
 */
export async function forEachImageScores(
  dir: string,
  names: readonly string[],
  visit: (index: number, scored: ReturnType<typeof imageScores>) => void,
): Promise<void> {
  const present = new Set(
    await fs.readdir(dir).catch((err: Error) => {
      throw new Error(`${dir}: no such folder`, { cause: err });
    }),
  );
  const problems: string[] = [];
  let problemCount = 0;
  for (let i = 0; i < names.length; i++) {
    // Synchronous reads of small files, a batch at a time: a million files took 64 s against 144 s with 16
    // fs.promises reads in flight (docs/scale.md); the event loop gets a turn between batches (heartbeats).
    await turnEvery(i);
    const file = path.join(dir, `${names[i]}.txt`);
    const text = present.has(`${names[i]}.txt`) ? readFileSync(file, 'utf8') : '';
    const parsed = parseKitti(text, file, 'prediction');
    problemCount += parsed.problems.length;
    problems.push(...parsed.problems.slice(0, PROBLEMS_QUOTED - problems.length).map(formatProblem));
    if (present.has(`${names[i]}.probs`)) await attachProbabilities(path.join(dir, `${names[i]}.probs`), parsed.boxes);
    visit(i, imageScores(parsed.boxes));
  }
  if (problemCount) throw new Error(`${problemCount} malformed KITTI line(s):\n${problems.join('\n')}`);
}

/**
 * One `score` per embedding row; rows are image file names (`<image name><ext>`). From the pool inference's
 * score table when the loop wrote one beside the folder (score-table.ts), else from the predictions
 * (core/formats/pool-predictions.ts: the shards' tables or a file per image); an image without any has no boxes.
 */
export async function rowScores(dir: string, rowFiles: readonly string[], score: ScoreName): Promise<Float64Array> {
  const names = rowFiles.map(fileStem);
  const table = scoreTableOf(dir);
  if (await fs.stat(table).catch(() => null)) return readScoreTable(table, names, score);
  const out = new Float64Array(names.length);
  const take = (i: number, scored: ReturnType<typeof imageScores>) => {
    out[i] = score === 'object_frequency' ? scored.frequency : scored.scores[score];
  };
  if (await predictionTables(dir)) {
    // Shards' tables without their score table (it was removed): scored from the tables, streaming.
    const rowOf = rowLookup(names);
    await forEachPoolPrediction(dir, names, (name, boxes) => take(rowOf(name)!, imageScores(boxes)));
  } else await forEachImageScores(dir, names, take);
  return score === 'object_frequency' ? objectFrequencies(out) : out;
}

/** The score table (score-table.ts) of `names` from the folder's files, written atomically to `file`. */
export async function writeScoreTable(dir: string, names: readonly string[], file: string): Promise<void> {
  const lines = [SCORE_TABLE_HEADER];
  await forEachImageScores(dir, names, (i, scored) => lines.push(scoreTableLine(names[i], scored)));
  await writeFileAtomic(file, `${lines.join('\n')}\n`);
}
