// A pool inference's scores as one table: what selection reads at a million images instead of a million
// prediction files (docs/scale.md). Each inference shard writes its images' table on the GPU worker that
// inferred them (activities/pool-shards.ts), and the merge joins the shards' tables, in order, beside the
// round's predictions folder: `rounds/<n>/predictions.scores.tsv`. Tab-separated, a header line, then one
// line per image:
//   image  <every score of detection.ts but object_frequency>  object_frequency_raw
// `image` is the image's name (its prediction file's stem); numbers in JavaScript's shortest round-trip form,
// so a score read back is the one computed from the files, bit for bit. `object_frequency` is mapped over the
// rows selection reads (detection.ts), as it is from the files.
import { createReadStream } from 'node:fs';
import * as readline from 'node:readline';
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
 * `score` of each of `names` from the table, streaming its lines; an image without a line has no boxes
 * (as an image without a prediction file). A malformed line throws naming `file:line`.
 */
export async function readScoreTable(file: string, names: readonly string[], score: ScoreName): Promise<Float64Array> {
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const column = score === 'object_frequency' ? PER_IMAGE.length + 1 : PER_IMAGE.indexOf(score) + 1;
  const out = new Float64Array(names.length);
  const found = new Uint8Array(names.length);
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (lineNumber === 1) {
      if (line !== SCORE_TABLE_HEADER) throw new Error(`${file}:1: not a score table header: "${line.slice(0, 80)}"`);
      continue;
    }
    if (line === '') continue;
    const cells = line.split('\t');
    const value = Number(cells[column]);
    if (cells.length !== PER_IMAGE.length + 2 || !Number.isFinite(value))
      throw new Error(
        `${file}:${lineNumber}: expected an image name and ${PER_IMAGE.length + 1} numbers, found "${line.slice(0, 80)}"`,
      );
    const i = index.get(cells[0]);
    if (i === undefined) continue;
    out[i] = value;
    found[i] = 1;
  }
  if (lineNumber === 0) throw new Error(`${file}: empty, not a score table`);
  if (score === 'object_frequency') {
    // Images without boxes have raw frequency 0, as from the files.
    for (let i = 0; i < names.length; i++) if (!found[i]) out[i] = 0;
    return objectFrequencies(out);
  }
  return out;
}
