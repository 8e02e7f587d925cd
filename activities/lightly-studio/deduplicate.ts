// LightlyStudio's deduplication of a pool (integrations/lightly-studio, deduplication.py) run by its own
// Python on pomona's embeddings CSV. The result depends only on the embeddings and the distance, so it is
// written once beside them (`<embeddings>.dedup-<distance>.json`) and read again by every later round.
import execa from 'execa';
import * as fs from 'node:fs/promises';
import { lightlyStudioEnv, lightlyStudioPython, requireLightlyStudio } from './lightly-studio-env';

export interface Deduplication {
  minDistance: number;
  /** Rows of the embeddings CSV. */
  rows: number;
  /** File names (as in the CSV) of the images kept, in LightlyStudio's pick order. */
  kept: string[];
}

export const deduplicationFile = (embeddingsPath: string, minDistance: number) =>
  `${embeddingsPath}.dedup-${minDistance}.json`;

/** The images LightlyStudio keeps at `minDistance`: read from the file of an earlier call, or computed. */
export async function deduplicatePool(embeddingsPath: string, minDistance: number): Promise<Deduplication> {
  const file = deduplicationFile(embeddingsPath, minDistance);
  const [embeddingsStat, existing] = await Promise.all([fs.stat(embeddingsPath), fs.stat(file).catch(() => null)]);
  // An embeddings file written after the result (a project re-embedded) makes it stale.
  if (!existing || existing.mtimeMs < embeddingsStat.mtimeMs) {
    requireLightlyStudio();
    const args = ['-m', 'pomona_lightly_studio', 'deduplicate', '--embeddings', embeddingsPath];
    const result = await execa(lightlyStudioPython(), [...args, '--min-distance', String(minDistance), '--out', file], {
      env: lightlyStudioEnv(),
      reject: false,
    });
    if (result.exitCode !== 0) {
      const error =
        result.stderr
          .trim()
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('error: ')) ?? result.stderr.slice(-500);
      throw new Error(`LightlyStudio's deduplication of ${embeddingsPath} failed: ${error.replace(/^error: /, '')}`);
    }
  }
  const deduplication = JSON.parse(await fs.readFile(file, 'utf8')) as Deduplication;
  if (deduplication.minDistance !== minDistance || !Array.isArray(deduplication.kept))
    throw new Error(`${file}: not a deduplication at distance ${minDistance}; delete it to compute it again`);
  return deduplication;
}

/** The embedding rows (indices into `rowFiles`, the CSV's file names) that `deduplicatePool` keeps. */
export async function keptRows(
  embeddingsPath: string,
  minDistance: number,
  rowFiles: readonly string[],
): Promise<Set<number>> {
  const { kept } = await deduplicatePool(embeddingsPath, minDistance);
  const rowOf = new Map(rowFiles.map((f, i) => [f, i]));
  return new Set(kept.flatMap((f) => (rowOf.has(f) ? [rowOf.get(f)!] : [])));
}
