// A round's selection (rounds/<n>/selection.json): the images chosen for labelling, in pick order.
import * as fs from 'node:fs/promises';
import type { SelectionMethod } from '../core/config/loop-config';

export interface SelectionFile {
  round: number;
  method: SelectionMethod;
  /** CORAL's score. */
  score?: string;
  labelledBefore: number;
  images: string[];
}

export async function readSelection(file: string): Promise<SelectionFile> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as SelectionFile;
}
