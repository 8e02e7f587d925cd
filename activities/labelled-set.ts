// The labelled set after a round: every image people have labelled so far and where its labels are.
// Written once per round (rounds/<n>/labelled.json), so a retried import never duplicates an entry.
import * as fs from 'node:fs/promises';

export interface LabelledImage {
  name: string;
  image: string;
  labels: string;
  round: number;
}

export interface LabelledSet {
  round: number;
  images: LabelledImage[];
}

export async function readLabelledSet(file: string | undefined): Promise<LabelledSet> {
  if (!file) return { round: 0, images: [] };
  return JSON.parse(await fs.readFile(file, 'utf8')) as LabelledSet;
}
