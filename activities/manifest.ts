// The project manifest (<project>/manifest.json): every ingested image, its size, its ground-truth labels
// when the dataset has them, and its split. Written once by prepareProject; read by the other activities
// and by the simulated annotator.
import * as fs from 'node:fs/promises';
import type { DatasetLayout } from '../core/dataset/ingest';

export interface ManifestImage {
  name: string;
  file: string;
  width: number;
  height: number;
  /** Ground-truth KITTI labels (converted from masks for MinneApple); only evaluation and the simulator read them. */
  labels?: string;
  split: 'pool' | 'validation';
}

export interface ProjectManifest {
  /** Run id of the loop run that prepared the project (its first run). */
  owner: string;
  layout: DatasetLayout;
  datasetRoot: string;
  images: ManifestImage[];
  problems: string[];
}

export async function readManifest(file: string): Promise<ProjectManifest> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as ProjectManifest;
}
