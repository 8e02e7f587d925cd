// A pool inference's scores as one table: what selection reads at a million images instead of a million
// prediction files (docs/scale.md). Each inference shard writes its images' table on the GPU worker that
// inferred them (activities/pool-shards.ts), and the merge joins the shards' tables, in order, beside the
// round's predictions folder: `rounds/<n>/predictions.scores.tsv`. Tab-separated, a header line, then one
// line per image:
//   image  <every score of detection.ts but object_frequency>  object_frequency_raw
// `image` is the image's name (its prediction file's stem); numbers in JavaScript's shortest round-trip form,
// so a score read back is the one computed from the files, bit for bit. `object_frequency` is mapped over the
// rows selection reads (detection.ts), as it is from the files.
import { forEachLine } from '../io/text-lines';
import { rowLookup } from '../selection/row-lookup';
import { objectFrequencies, SCORE_NAMES, type imageScores, type ScoreName } from './detection';

const PER_IMAGE = SCORE_NAMES.filter((s) => s !== 'object_frequency');
export const SCORE_TABLE_HEADER = ['image', ...PER_IMAGE, 'object_frequency_raw'].join('\t');

/** The score table of a predictions folder: beside it, named after it. */
export const scoreTableOf = (predictionsDir: string) => `${predictionsDir.replace(/\/+$/, '')}.scores.tsv`;

export function scoreTableLine(name: string, scored: ReturnType<typeof imageScores>): string {
  if (/[\t\n]/.test(name))
    throw new Error(`image name ${JSON.stringify(name)}: a tab or line break cannot be in a score table`);
  return [name, ...PER_IMAGE.map((s) => String(scored.scores[s])), String(scored.frequency)].join('\t');
}

/**
 * `score` of each of `names` from the table, a block at a time; an image without a line has no boxes (as an
 * image without a prediction file). A malformed line throws naming `file:line`. Only the name and the one
 * column are taken from each line (a million lines in about a second).
 */
export async function readScoreTable(file: string, names: readonly string[], score: ScoreName): Promise<Float64Array> {
  const rowOf = rowLookup(names);
  const column = score === 'object_frequency' ? PER_IMAGE.length + 1 : PER_IMAGE.indexOf(score) + 1;
  const tabs = PER_IMAGE.length + 1;
  const out = new Float64Array(names.length);
  const take = (line: string, lineNumber: number) => {
    if (lineNumber === 1) {
      if (line !== SCORE_TABLE_HEADER) throw new Error(`${file}:1: not a score table header: "${line.slice(0, 80)}"`);
      return;
    }
    if (line === '') return;
    // The cell after tab number `column`, and a count of the tabs: tabs + 1 cells, no cell empty.
    let at = -1;
    let start = 0;
    let end = -1;
    let count = 0;
    while ((at = line.indexOf('\t', at + 1)) >= 0) {
      count++;
      if (count === column) start = at + 1;
      else if (count === column + 1) end = at;
    }
    const value = count === tabs ? Number(line.slice(start, end < 0 ? undefined : end)) : NaN;
    if (!Number.isFinite(value) || start === end || line.endsWith('\t'))
      throw new Error(
        `${file}:${lineNumber}: expected an image name and ${PER_IMAGE.length + 1} numbers, found "${line.slice(0, 80)}"`,
      );
    const i = rowOf(line.slice(0, line.indexOf('\t')));
    if (i !== undefined) out[i] = value;
  };
  if ((await forEachLine(file, take)) === 0) throw new Error(`${file}: empty, not a score table`);
  // Images without a line: no boxes, raw frequency 0, as from the files.
  return score === 'object_frequency' ? objectFrequencies(out) : out;
}
