// Several classes through the loop's own activities, on a real photograph: deepforest's SOAP_061 (28 Dead and
// 9 Alive tree crowns, Pascal VOC) ingested with classes dead and alive, trained by the real trainer,
// inferred, evaluated per class, and scored for selection from the detector's class probabilities.
import { MockActivityEnvironment } from '@temporalio/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ingestDataset } from '../core/dataset/ingest';
import { readKittiFolder } from '../core/formats/kitti-folder';
import { detectionScores } from '../core/scores/detection';
import { scoresOfPredictionFolder } from '../core/scores/prediction-folder';
import { deepforestDataDir } from '../tests/helpers/deepforest';
import { tempWorkspace } from '../tests/helpers/orchard';
import { evaluateRound } from './evaluate';
import { createGpuActivities } from './gpu';
import type { LabelledSet } from './labelled-set';
import type { InferInput, TrainInput, TrainResult } from './types';

jest.setTimeout(300_000);

test('SOAP_061 as two classes: trained, predicted by name with probabilities, AP per class, scores from probabilities', async () => {
  const projectDir = tempWorkspace();
  const voc = path.join(projectDir, 'soap');
  for (const [sub, ext] of [
    ['images', '.png'],
    ['annotations', '.xml'],
  ]) {
    fs.mkdirSync(path.join(voc, sub), { recursive: true });
    fs.symlinkSync(path.join(deepforestDataDir(), `SOAP_061${ext}`), path.join(voc, sub, `SOAP_061${ext}`));
  }
  const classes = ['dead', 'alive'];
  const manifest = await ingestDataset(voc, path.join(projectDir, 'gt'), { classes });
  expect(manifest.problems).toEqual([]);
  const [image] = manifest.images;
  const labelledPath = path.join(projectDir, 'labelled.json');
  const labelled: LabelledSet = {
    round: 1,
    images: [{ name: image.name, image: image.file, labels: image.labels!, round: 1 }],
  };
  fs.writeFileSync(labelledPath, JSON.stringify(labelled));

  const { trainRound, inferImages } = createGpuActivities();
  const train: TrainInput = {
    projectDir,
    round: 1,
    labelledPath,
    epochs: 1,
    minSteps: 40,
    checkpointInterval: 100,
    device: 'cpu',
    seed: 0,
    inputSize: '192x192',
    batchSize: 8,
    backbone: 'scratch',
    classes,
  };
  const trained = (await new MockActivityEnvironment().run(trainRound, train)) as TrainResult;
  const predictionsDir = path.join(projectDir, 'pred');
  const infer: InferInput = {
    model: trained.weights,
    imagesDir: path.join(voc, 'images'),
    outDir: predictionsDir,
    threshold: 0.05,
    device: 'cpu',
  };
  await new MockActivityEnvironment().run(inferImages, infer);

  // boxes named by the checkpoint's classes, each with its two class probabilities beside it
  const predictions = await readKittiFolder(predictionsDir, 'prediction', undefined, false);
  const boxes = predictions.get('SOAP_061')!;
  expect(new Set(boxes.map((b) => b.cls))).toEqual(new Set(classes));
  const probs = fs.readFileSync(path.join(predictionsDir, 'SOAP_061.probs'), 'utf8').trim().split('\n');
  expect(probs).toHaveLength(boxes.length);
  for (const row of probs) {
    const p = row.split(' ').map(Number);
    expect(p).toHaveLength(2);
    expect(p[0] + p[1]).toBeCloseTo(1, 3);
  }

  const metrics = await evaluateRound({
    projectDir,
    round: 1,
    gtLabelsDir: path.join(projectDir, 'gt'),
    predictionsDir,
    labelled: 1,
  });
  expect(Object.keys(metrics.ap50ByClass ?? {}).sort()).toEqual(['alive', 'dead']);
  const written = JSON.parse(fs.readFileSync(metrics.metricsPath, 'utf8')) as {
    gt_boxes_by_class: Record<string, number>;
  };
  expect(written.gt_boxes_by_class).toEqual({ dead: 28, alive: 9 });

  // The uncertainty scores come from the class probabilities, not from the one-class [s, 1 - s] shortcut.
  const scores = (await scoresOfPredictionFolder(predictionsDir)).get('SOAP_061')!;
  const oneClass = detectionScores(predictions).get('SOAP_061')!;
  expect(scores.uncertainty_entropy_mean).not.toBeCloseTo(oneClass.uncertainty_entropy_mean, 3);
  expect(scores.objectness_least_confidence).toBeCloseTo(oneClass.objectness_least_confidence, 10);
});
