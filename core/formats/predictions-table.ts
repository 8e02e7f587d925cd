// A shard's predictions as one file (#14: files per shard, not per image). The backends write KITTI, a file
// per image (the trainer's and TAO's contract); the GPU worker that inferred a shard turns its folder into
// this table, and the loop keeps only tables (core/formats/pool-predictions.ts). Tab-separated, a header
// line, then the shard's images in the shard's order, each as
//   image                                   an image inferred without any box, or one line per box:
//   image <TAB> KITTI prediction line       16 space-separated fields, as the backend wrote them, or
//   image <TAB> KITTI line <TAB> p1 p2 ...   with the box's class probabilities (a detector of several
//                                           classes: its `<image>.probs` line, scores/prediction-folder.ts)
// An image's lines are consecutive. The KITTI text is copied, not reformatted, so a box read back is the one
// read from the backend's file.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeChunksAtomic } from '../io/atomic-write';
import { forEachLine } from '../io/text-lines';
import { parseKitti, type Box } from './kitti';
import { formatProblem } from './problem';

export const PREDICTIONS_TABLE_HEADER = 'image\tkitti_prediction\tclass_probabilities';

/** Malformed lines quoted in an error (all are counted). */
const PROBLEMS_QUOTED = 20;

/** The lines of one image: its boxes' KITTI lines (each with its probabilities), or the name alone. */
function imageLines(dir: string, name: string, present: ReadonlySet<string>): string {
  if (/[\t\n\r]/.test(name))
    throw new Error(`image name ${JSON.stringify(name)}: a tab or line break cannot be in a predictions table`);
  const file = path.join(dir, `${name}.txt`);
  if (!present.has(`${name}.txt`)) return `${name}\n`;
  const text = readFileSync(file, 'utf8');
  const parsed = parseKitti(text, file, 'prediction');
  if (parsed.problems.length)
    throw new Error(
      `${parsed.problems.length} malformed KITTI line(s):\n${parsed.problems.slice(0, PROBLEMS_QUOTED).map(formatProblem).join('\n')}`,
    );
  const raw = text.split(/\r?\n/);
  const kitti = parsed.lines.map((line) => raw[line - 1].trim().split(/\s+/).join(' '));
  let probs: string[] | undefined;
  if (present.has(`${name}.probs`)) {
    const probsFile = path.join(dir, `${name}.probs`);
    probs = readFileSync(probsFile, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(/\s+/).join(' '));
    if (probs.length !== kitti.length)
      throw new Error(`${probsFile}: ${probs.length} lines of class probabilities for ${kitti.length} boxes`);
  }
  if (!kitti.length) return `${name}\n`;
  return kitti.map((line, i) => `${name}\t${line}${probs ? `\t${probs[i]}` : ''}\n`).join('');
}

/**
 * The table of `names` (in that order) from a folder of `<name>.txt` KITTI predictions and their
 * `<name>.probs`, written atomically to `file`; an image without a file has no boxes. Returns the boxes.
 */
export async function writePredictionsTable(dir: string, names: readonly string[], file: string): Promise<number> {
  const present = new Set(readdirSync(dir));
  let boxes = 0;
  function* pieces(): Generator<string> {
    yield `${PREDICTIONS_TABLE_HEADER}\n`;
    let piece = '';
    for (const name of names) {
      const lines = imageLines(dir, name, present);
      if (lines.includes('\t')) boxes += lines.split('\n').length - 1;
      piece += lines;
      // Written a few MB at a time: a shard's table is never one string in memory.
      if (piece.length > 4 * 1024 * 1024) {
        yield piece;
        piece = '';
      }
    }
    if (piece) yield piece;
  }
  await writeChunksAtomic(file, pieces());
  return boxes;
}

/** One box line's KITTI text and probabilities, parsed; problems name `file:line`. */
function parseBoxLine(file: string, lineNumber: number, kitti: string, probs: string | undefined): Box {
  const parsed = parseKitti(kitti, file, 'prediction');
  if (parsed.problems.length !== 0 || parsed.boxes.length !== 1)
    throw new Error(
      `${file}:${lineNumber}: ${parsed.problems[0]?.message ?? 'expected one KITTI prediction after the image name'}`,
    );
  const box = parsed.boxes[0];
  if (probs !== undefined) {
    const p = probs.split(' ').map(Number);
    if (p.length < 2 || p.some((v) => !Number.isFinite(v) || v < 0 || v > 1))
      throw new Error(`${file}:${lineNumber}: expected two or more class probabilities in 0..1, found "${probs}"`);
    box.probs = p;
  }
  return box;
}

/**
 * Visits each image of the table with its boxes, in the table's order, streaming (no image's boxes are kept
 * after its visit). With `wanted`, only those images are parsed and visited: the others' lines are skipped
 * by their name alone. A malformed line, a wrong header or an image whose lines are not consecutive throws,
 * naming `file:line`. Returns the number of images in the table.
 */
export async function forEachPredictionsTableImage(
  file: string,
  visit: (name: string, boxes: Box[]) => void,
  wanted?: (name: string) => boolean,
): Promise<number> {
  let current: string | undefined;
  let boxes: Box[] = [];
  let take = false;
  const seen = new Set<string>();
  const finish = () => {
    if (current !== undefined && take) visit(current, boxes);
  };
  const lines = await forEachLine(file, (line, lineNumber) => {
    if (lineNumber === 1) {
      if (line !== PREDICTIONS_TABLE_HEADER)
        throw new Error(`${file}:1: not a predictions table header: "${line.slice(0, 80)}"`);
      return;
    }
    if (line === '') return;
    const tab = line.indexOf('\t');
    const name = tab < 0 ? line : line.slice(0, tab);
    if (name !== current) {
      finish();
      if (seen.has(name)) throw new Error(`${file}:${lineNumber}: image ${JSON.stringify(name)} again, after others`);
      seen.add(name);
      current = name;
      boxes = [];
      take = wanted ? wanted(name) : true;
    }
    if (!take) return;
    if (tab < 0) {
      if (boxes.length)
        throw new Error(`${file}:${lineNumber}: image ${JSON.stringify(name)} without a box after its boxes`);
      return;
    }
    const second = line.indexOf('\t', tab + 1);
    const kitti = line.slice(tab + 1, second < 0 ? undefined : second);
    boxes.push(parseBoxLine(file, lineNumber, kitti, second < 0 ? undefined : line.slice(second + 1)));
  });
  if (lines === 0) throw new Error(`${file}: empty, not a predictions table`);
  finish();
  return seen.size;
}
