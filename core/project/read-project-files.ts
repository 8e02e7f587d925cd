// Reading a project folder from disk for the views built on its artifacts (the report, the LightlyStudio
// push): a file that may not exist yet, and the rounds that have a folder.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { z } from 'zod';
import { parseProjectFile } from './project-file';

/** A JSON file parsed with its schema (a damaged one named with its wrong field), or null when it is absent. */
export async function readProjectFileIfPresent<T>(schema: z.ZodType<T>, file: string): Promise<T | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseProjectFile(schema, text, file);
}

/** The numbers of the rounds under `<project>/rounds/`, ascending; none before the first selection. */
export async function projectRounds(projectDir: string): Promise<number[]> {
  const entries = await fs.readdir(path.join(projectDir, 'rounds')).catch(() => [] as string[]);
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b);
}
