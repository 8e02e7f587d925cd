// What a loop's report shows, read from the project's artifacts (DESIGN.md, "Artifacts"): the manifest,
// each round's selection.json and metrics.json, and, for synthetic orchards, the generator's scenes.json.
// Reading artifacts rather than the workflow means a report works for loops that ended long ago.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import type { Box } from '../formats/kitti';
import { readKittiFolder } from '../formats/kitti-folder';
import { lightlyStudioDbFile } from '../lightly-studio/push-plan';
import { labelledSet } from '../project/labelled-set';
import { projectManifest } from '../project/manifest';
import { metricsFile } from '../project/metrics-file';
import { selectionFile } from '../project/selection-file';
import { layout } from '../workspace-layout';
import { projectRounds, readProjectFileIfPresent } from '../project/read-project-files';

export interface ReportRound {
  round: number;
  method: string;
  /** CORAL's score, when the round used one. */
  score?: string;
  labelledBefore: number;
  selected: string[];
  /** Evaluation of the model trained after this round's labels; null while the round is not evaluated. */
  /** `ap50ByClass` when the validation set has more than one class. */
  metrics: { labelled: number; map50: number; cocoAp: number; ap50ByClass?: Record<string, number> } | null;
  /** Selected images per scene kind (empty when the dataset has no scene metadata). */
  sceneCounts: Record<string, number>;
  /** Boxes per class of the labelled set after this round's labels, when it has two classes or more. */
  labelledBoxesByClass?: Record<string, number>;
}

export interface ReportExample {
  name: string;
  /** Absolute path of the image file. */
  file: string;
  width: number;
  height: number;
  groundTruth: Box[];
  predictions: Box[];
}

export interface ReportData {
  project: string;
  projectDir: string;
  datasetRoot: string;
  layout: string;
  poolCount: number;
  validationCount: number;
  rounds: ReportRound[];
  /** Pool images per scene kind; null when the dataset has no scenes.json. */
  poolScenes: Record<string, number> | null;
  /** The round whose validation predictions the examples show, and the examples. */
  exampleRound: number | null;
  examples: ReportExample[];
  /** Image file of every manifest image, by name. */
  imageFiles: Map<string, string>;
  /** The project's LightlyStudio dataset (`pomona lightly push`), when it has one. */
  lightlyStudio: { dbFile: string; pushedAt: Date } | null;
}

/** The generator's scenes.json: image name -> attributes, with a `scene` kind where it has one. */
const sceneAttributes = z.record(z.string(), z.looseObject({ scene: z.string().optional() }));

/** scenes.json of the synthetic generator: image name -> attributes with a `scene` kind. */
async function readSceneKinds(datasetRoot: string): Promise<Map<string, string> | null> {
  const scenes = await readProjectFileIfPresent(sceneAttributes, path.join(datasetRoot, 'scenes.json'));
  if (!scenes) return null;
  return new Map(
    Object.entries(scenes).flatMap(([name, a]) =>
      typeof a?.scene === 'string' ? [[name, a.scene] as [string, string]] : [],
    ),
  );
}

function countKinds(names: readonly string[], kinds: Map<string, string> | null): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!kinds) return counts;
  for (const name of names) {
    const kind = kinds.get(name) ?? 'unknown';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

async function lightlyStudioDataset(projectDir: string): Promise<ReportData['lightlyStudio']> {
  const dbFile = lightlyStudioDbFile(projectDir);
  const stat = await fs.stat(dbFile).catch(() => null);
  return stat ? { dbFile, pushedAt: stat.mtime } : null;
}

/** Reads everything a report needs from `projectDir`; `exampleCount` validation images get their boxes read. */
export async function readReportData(projectDir: string, exampleCount: number): Promise<ReportData> {
  const manifest = await readProjectFileIfPresent(projectManifest, layout.manifest(projectDir));
  if (!manifest)
    throw new Error(`${layout.manifest(projectDir)}: no manifest; is ${projectDir} a pomona project folder?`);
  const kinds = await readSceneKinds(manifest.datasetRoot);
  const fileOf = (image: { file: string }) =>
    path.isAbsolute(image.file) ? image.file : path.join(manifest.datasetRoot, image.file);
  const pool = manifest.images.filter((i) => i.split === 'pool');
  const validation = manifest.images.filter((i) => i.split === 'validation');

  const rounds: ReportRound[] = [];
  for (const round of await projectRounds(projectDir)) {
    const selection = await readProjectFileIfPresent(selectionFile, layout.selection(projectDir, round));
    if (!selection) continue;
    const metrics = await readProjectFileIfPresent(metricsFile, layout.metrics(projectDir, round));
    const byClass = metrics?.ap50_by_class;
    const labelled = await readProjectFileIfPresent(labelledSet, layout.labelled(projectDir, round));
    const boxesByClass = labelled?.boxesByClass;
    rounds.push({
      round,
      method: selection.method,
      score: selection.score,
      labelledBefore: selection.labelledBefore,
      selected: selection.images,
      metrics: metrics
        ? {
            labelled: metrics.labelled,
            map50: metrics.map50,
            cocoAp: metrics.coco_ap,
            ...(byClass && Object.keys(byClass).length > 1 ? { ap50ByClass: byClass } : {}),
          }
        : null,
      sceneCounts: countKinds(selection.images, kinds),
      ...(boxesByClass && Object.keys(boxesByClass).length > 1 ? { labelledBoxesByClass: boxesByClass } : {}),
    });
  }

  const evaluated = rounds.filter((r) => r.metrics);
  const exampleRound = evaluated.length ? evaluated[evaluated.length - 1].round : null;
  const examples: ReportExample[] = [];
  if (exampleRound !== null && exampleCount > 0) {
    const chosen = [...validation].sort((a, b) => a.name.localeCompare(b.name)).slice(0, exampleCount);
    const names = chosen.map((i) => i.name);
    const gt = await readKittiFolder(layout.validationLabels(projectDir), 'label', names, true);
    const preds = await readKittiFolder(
      layout.validationPredictions(projectDir, exampleRound),
      'prediction',
      names,
      true,
    );
    for (const image of chosen) {
      examples.push({
        name: image.name,
        file: fileOf(image),
        width: image.width,
        height: image.height,
        groundTruth: gt.get(image.name) ?? [],
        predictions: preds.get(image.name) ?? [],
      });
    }
  }

  return {
    project: path.basename(projectDir),
    projectDir,
    datasetRoot: manifest.datasetRoot,
    layout: manifest.layout,
    poolCount: pool.length,
    validationCount: validation.length,
    rounds,
    poolScenes: kinds
      ? countKinds(
          pool.map((i) => i.name),
          kinds,
        )
      : null,
    exampleRound,
    examples,
    imageFiles: new Map(manifest.images.map((i) => [i.name, fileOf(i)])),
    lightlyStudio: await lightlyStudioDataset(projectDir),
  };
}
