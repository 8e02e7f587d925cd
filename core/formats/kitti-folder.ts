// Reads a folder of KITTI files (one `<image name>.txt` per image) into boxes per image name.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BoxesByImage } from '../metrics/boxes-by-image';
import { parseKitti, type KittiKind } from './kitti';
import { formatProblem } from './problem';

async function isMissing(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null)) === null;
}

/**
 * Reads `<name>.txt` for each name (every .txt of `dir` when names are not given). A malformed line
 * throws with every `file:line` (ground truth and predictions are pomona's own output by now, so a bad
 * line is a bug to see, not data to skip). A missing file is an error, or no boxes when `missingIsEmpty`.
 */
export async function readKittiFolder(
  dir: string,
  kind: KittiKind,
  names: readonly string[] | undefined,
  missingIsEmpty: boolean,
): Promise<BoxesByImage> {
  if (await isMissing(dir)) throw new Error(`${dir}: no such folder`);
  const wanted =
    names ??
    (await fs.readdir(dir))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -'.txt'.length))
      .sort();
  const out: BoxesByImage = new Map();
  const problems: string[] = [];
  for (const name of wanted) {
    const file = path.join(dir, `${name}.txt`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !missingIsEmpty)
        throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
      text = '';
    }
    const parsed = parseKitti(text, file, kind);
    problems.push(...parsed.problems.map(formatProblem));
    out.set(name, parsed.boxes);
  }
  if (problems.length)
    throw new Error(`${problems.length} malformed KITTI line(s):\n${problems.slice(0, 20).join('\n')}`);
  return out;
}
