// Reads a round's labelled set (core/project/labelled-set.ts has its format); before round 1, it is empty.
import * as fs from 'node:fs/promises';
import { labelledSet, type LabelledSet } from '../core/project/labelled-set';
import { readProjectFile } from './project-file';

export type { LabelledImage, LabelledSet } from '../core/project/labelled-set';

export async function readLabelledSet(file: string | undefined): Promise<LabelledSet> {
  if (!file) return { round: 0, images: [] };
  return readProjectFile(labelledSet, await fs.readFile(file, 'utf8'), file);
}
