// Reads the project manifest (core/project/manifest.ts has its format).
import * as fs from 'node:fs/promises';
import { projectManifest, type ProjectManifest } from '../core/project/manifest';
import { readProjectFile } from './project-file';

export type { ManifestImage, ProjectManifest } from '../core/project/manifest';

export async function readManifest(file: string): Promise<ProjectManifest> {
  return readProjectFile(projectManifest, await fs.readFile(file, 'utf8'), file);
}
