// What the loop carries of the pool's embeddings CSV (Lightly's layout): its path, row count and width.
import * as fs from 'node:fs/promises';

/** Row count and width of an embeddings CSV, or null when it is missing or empty. */
export async function readEmbeddingsSummary(file: string): Promise<{ count: number; dim: number } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.trim().split('\n');
  if (lines.length < 2) return null;
  const dim = lines[0].split(',').filter((c) => c.startsWith('embedding_')).length;
  return { count: lines.length - 1, dim };
}
