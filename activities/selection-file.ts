// Reads a round's selection (core/project/selection-file.ts has its format).
import * as fs from 'node:fs/promises';
import { selectionFile, type SelectionFile } from '../core/project/selection-file';
import { readProjectFile } from './project-file';

export type { SelectionFile } from '../core/project/selection-file';

export async function readSelection(file: string): Promise<SelectionFile> {
  return readProjectFile(selectionFile, await fs.readFile(file, 'utf8'), file);
}
