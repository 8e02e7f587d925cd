// Reading one of the project's own JSON files (manifest, selection, labelled set): parsed with its schema,
// so a damaged or foreign file is named with the field that is wrong instead of failing later, elsewhere.
import type { z } from 'zod';
import { describeConfigIssues } from '../config/loop-config';

export class ProjectFileError extends Error {}

export function parseProjectFile<T>(schema: z.ZodType<T>, text: string, file: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ProjectFileError(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new ProjectFileError(`${file}: ${describeConfigIssues(parsed.error).slice(0, 3).join('; ')}`);
  return parsed.data;
}
