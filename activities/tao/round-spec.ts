// The experiment spec of one round, assembled from the loop's training inputs and what the labelled set
// holds (count, classes, extensions, boxes). Shared by the tao backend and `pomona tao spec`, so what an
// operator prints is what the worker runs. Throws TaoSpecError / TaoPathError for a spec TAO would reject.
import * as path from 'node:path';
import { kmeansAnchors, scaledSize } from '../../core/tao/anchors';
import { taoMounts, toContainerPath } from '../../core/tao/mounts';
import {
  TAO_DEFAULT_BATCH_SIZE,
  TAO_DEFAULT_INPUT_SIZE,
  type AnchorSet,
  type TaoSettings,
} from '../../core/tao/settings';
import { renderTaoSpec, type StartFrom } from '../../core/tao/spec';
import type { Box } from '../../core/formats/kitti';
import { roundDir } from '../../core/workspace-layout';

export interface LabelledSummary {
  count: number;
  /** Classes as labelled (original case). */
  classes: string[];
  /** Image extensions, lowercase without the dot. */
  extensions: string[];
  boxes: { box: Box; width: number; height: number }[];
}

export interface RoundSpecInput {
  settings: TaoSettings;
  projectDir: string;
  round: number;
  epochs: number;
  minSteps?: number;
  checkpointInterval: number;
  seed: number;
  inputSize?: string;
  batchSize?: number;
  labelled: LabelledSummary;
  /** False when the project has no validation split: TAO then validates on the training set. */
  hasValidation: boolean;
  /** Host path of the start weights (pretrained, previous round's, or the checkpoint to resume). */
  start: { kind: StartFrom['kind']; hostPath: string };
}

/** Where staging puts a round's KITTI sets (inside the project, so inside the container's mount). */
export function stagedDirs(projectDir: string, round: number): { train: string; validation: string } {
  const root = path.join(roundDir(projectDir, round), 'tao-data');
  return { train: path.join(root, 'train'), validation: path.join(root, 'validation') };
}

/** label class (lowercased) -> target class; by default each labelled class maps to itself. */
export function classMapping(
  classes: readonly string[],
  configured: Record<string, string> | undefined,
): [string, string][] {
  if (configured)
    return Object.entries(configured)
      .map(([k, v]): [string, string] => [k.toLowerCase(), v])
      .sort(([a], [b]) => a.localeCompare(b));
  return [...new Set(classes.map((c) => c.toLowerCase()))].sort().map((k) => [k, k]);
}

/**
 * num_epochs: at least `minSteps` optimiser steps, as the torch trainer does. A pure function of the
 * labelled set, so a retry computes the same number and TAO's resume continues the same schedule.
 */
export function taoEpochs(
  epochs: number,
  minSteps: number | undefined,
  count: number,
  batchSize: number,
  gpus: number,
): number {
  const stepsPerEpoch = Math.max(1, Math.ceil(count / (batchSize * gpus)));
  return Math.max(epochs, minSteps ? Math.ceil(minSteps / stepsPerEpoch) : 0);
}

export function anchorsFor(
  settings: TaoSettings,
  labelled: LabelledSummary,
  net: { width: number; height: number },
  seed: number,
): AnchorSet {
  if (settings.anchors !== 'kmeans') return settings.anchors;
  return kmeansAnchors(
    labelled.boxes.map((b) => scaledSize(b.box, b, net)),
    seed,
  );
}

export function parseInputSize(size: string | undefined): { width: number; height: number } {
  if (!size) return TAO_DEFAULT_INPUT_SIZE;
  const [width, height] = size.split('x').map(Number);
  return { width, height };
}

export function roundSpec(r: RoundSpecInput): { text: string; epochs: number; mapping: [string, string][] } {
  const s = r.settings;
  const mounts = taoMounts(r.projectDir, s.pretrainedModel, s.containerRoot);
  const inContainer = (p: string) => toContainerPath(p, mounts);
  const size = parseInputSize(r.inputSize);
  const batchSize = r.batchSize ?? TAO_DEFAULT_BATCH_SIZE;
  const epochs = taoEpochs(r.epochs, r.minSteps, r.labelled.count, batchSize, s.gpus);
  const mapping = classMapping(r.labelled.classes, s.classMapping);
  const dirs = stagedDirs(r.projectDir, r.round);
  const validation = r.hasValidation ? dirs.validation : dirs.train;
  const text = renderTaoSpec({
    dialect: s.dialect,
    seed: r.seed,
    arch: s.arch,
    nlayers: s.nlayers,
    anchors: anchorsFor(s, r.labelled, size, r.seed),
    boxMatchingIou: s.boxMatchingIou,
    matchingNeutralBoxIou: s.matchingNeutralBoxIou,
    batchSize,
    epochs,
    checkpointInterval: r.checkpointInterval,
    start: { kind: r.start.kind, path: inContainer(r.start.hostPath) },
    outputWidth: size.width,
    outputHeight: size.height,
    trainImages: inContainer(path.join(dirs.train, 'images')),
    trainLabels: inContainer(path.join(dirs.train, 'labels')),
    validationImages: inContainer(path.join(validation, 'images')),
    validationLabels: inContainer(path.join(validation, 'labels')),
    classMapping: mapping,
    imageExtension: r.labelled.extensions.length === 1 ? r.labelled.extensions[0] : undefined,
  });
  return { text, epochs, mapping };
}
