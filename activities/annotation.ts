// The annotation hand-off: export a batch for people (image list, images, model pre-labels in KITTI, COCO,
// YOLO and Pascal VOC), and import their labels (any of those formats) only after every file passed
// validation, so nothing is ever half-imported.
import { Context } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_CLASSES } from '../core/config/loop-config';
import { validateAnnotations } from '../core/dataset/validate-annotations';
import { cocoPredictions } from '../core/formats/coco-predictions';
import { formatKittiLabel, type Box } from '../core/formats/kitti';
import { readPoolPredictions } from '../core/formats/pool-predictions';
import { vocAnnotation, yoloLabels } from '../core/formats/label-exports';
import { formatProblem } from '../core/formats/problem';
import { writeFileAtomic, writeJsonAtomic } from '../core/io/atomic-write';
import { layout } from '../core/workspace-layout';
import { readLabelledSet, type LabelledSet } from './labelled-set';
import { readManifest, type ManifestImage } from './manifest';
import { readSelection } from './selection-file';
import type { ExportBatchInput, ExportedBatch, ImportAnnotationsInput, ImportResult } from './types';
import { DATA_ROOTS_ENV, outsideRoots, WORKSPACE_ROOTS_ENV } from './allowed-roots';

/** Pre-labels keep only boxes a person would plausibly accept; the rest is noise to delete. */
const PRELABEL_MIN_SCORE = 0.3;
const MAX_PROBLEMS_REPORTED = 50;

export async function exportBatch(input: ExportBatchInput): Promise<ExportedBatch> {
  const selection = await readSelection(input.selectionPath);
  const manifest = await readManifest(layout.manifest(input.projectDir));
  const byName = new Map(manifest.images.map((i) => [i.name, i]));
  const exportDir = layout.annotate(input.projectDir, input.round);
  const tmp = `${exportDir}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(path.join(tmp, 'images'), { recursive: true });
  const listed: string[] = [];
  let prelabels = false;
  const classes = input.classes ?? [...DEFAULT_CLASSES];
  const kept = new Map<string, Box[]>();
  // No folder (the last inference's output removed by hand): the batch goes out without pre-labels, as before.
  const prelabelsThere = input.prelabelsDir && (await fs.stat(input.prelabelsDir).catch(() => null))?.isDirectory();
  const predicted = prelabelsThere ? await readPoolPredictions(input.prelabelsDir!, selection.images) : undefined;
  for (const name of selection.images) {
    const image = byName.get(name);
    if (!image) throw new Error(`${input.selectionPath}: ${name} is not in the manifest`);
    const exported = path.join(exportDir, 'images', `${name}${path.extname(image.file)}`);
    await fs.symlink(image.file, path.join(tmp, 'images', path.basename(exported)));
    listed.push(exported);
    const found = predicted?.get(name);
    if (found) {
      // The batch's pre-labels are KITTI files, one per image: an export, whatever form the pool's has.
      const boxes = found.filter((b) => (b.score ?? 1) >= PRELABEL_MIN_SCORE);
      kept.set(name, boxes);
      await fs.mkdir(path.join(tmp, 'prelabels'), { recursive: true });
      await fs.writeFile(
        path.join(tmp, 'prelabels', `${name}.txt`),
        boxes.map((b) => formatKittiLabel(b)).join('\n') + (boxes.length ? '\n' : ''),
      );
      prelabels = true;
    }
  }
  if (prelabels)
    await writePrelabelExports(
      tmp,
      manifest.images.filter((i) => kept.has(i.name)),
      kept,
      classes,
    );
  const imageListPath = path.join(exportDir, 'images.txt');
  await fs.writeFile(path.join(tmp, 'images.txt'), listed.join('\n') + '\n');
  await fs.writeFile(path.join(tmp, 'README.txt'), batchReadme(input, exportDir, listed.length, prelabels));
  await fs.rm(exportDir, { recursive: true, force: true });
  await fs.rename(tmp, exportDir);
  return { round: input.round, exportDir, imageListPath, count: listed.length, prelabels };
}

/** The pre-labels also as COCO, YOLO and Pascal VOC, for tools that import those (docs/annotation.md). */
async function writePrelabelExports(
  dir: string,
  images: readonly ManifestImage[],
  boxes: ReadonlyMap<string, Box[]>,
  classes: readonly string[],
): Promise<void> {
  await fs.writeFile(path.join(dir, 'prelabels-coco.json'), JSON.stringify(cocoPredictions(images, boxes), null, 1));
  await fs.mkdir(path.join(dir, 'prelabels-yolo'));
  await fs.mkdir(path.join(dir, 'prelabels-voc'));
  await fs.writeFile(path.join(dir, 'prelabels-yolo', 'classes.txt'), classes.join('\n') + '\n');
  for (const image of images) {
    const b = boxes.get(image.name) ?? [];
    await fs.writeFile(
      path.join(dir, 'prelabels-yolo', `${image.name}.txt`),
      yoloLabels(b, classes, image.width, image.height),
    );
    await fs.writeFile(
      path.join(dir, 'prelabels-voc', `${image.name}.xml`),
      vocAnnotation(path.basename(image.file), image.width, image.height, b),
    );
  }
}

/** What an annotator needs to know about the batch: the format, the class names, and how to hand it back. */
function batchReadme(input: ExportBatchInput, exportDir: string, count: number, prelabels: boolean): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? '<workflow id>';
  const classes = input.classes ?? DEFAULT_CLASSES;
  return [
    `Round ${input.round}: label the ${count} images in images.txt (links in images/).`,
    `Write one KITTI file per image, <image name>.txt, into a folder of your choice${prelabels ? " (prelabels/ has the model's boxes to correct; prelabels-coco.json, prelabels-yolo/ and prelabels-voc/ the same boxes for other tools)" : ''}:`,
    `one line per object, "CLASS 0 0 0 x1 y1 x2 y2 0 0 0 0 0 0 0" in image pixels, CLASS one of: ${classes.join(', ')}.`,
    'An image without objects needs an empty file.',
    'A folder of YOLO files (with classes.txt), Pascal VOC files (<image name>.xml) or one COCO JSON file is accepted too.',
    `A dataset that is already labelled (a synthetic orchard, a benchmark) gives its own labels for this batch:`,
    `  npx pomona dataset labels <dataset folder> --images ${path.join(exportDir, 'images.txt')} --classes ${classes.join(',')} --out <new folder>`,
    'Then submit the folder (an absolute path):',
    `  npx pomona annotate submit ${workflowId} --round ${input.round} --labels <folder>`,
    `  or: temporal workflow signal -w ${workflowId} --name annotationsSubmitted --input '{"round": ${input.round}, "labelsDir": "<folder>"}'`,
    '',
  ].join('\n');
}

export async function importAnnotations(input: ImportAnnotationsInput): Promise<ImportResult> {
  const labelledPath = layout.labelled(input.projectDir, input.round);
  const done = await readLabelledSet(labelledPath).catch(() => null);
  if (done)
    return {
      ok: true,
      problems: [],
      problemCount: 0,
      labelledPath,
      labelledCount: done.images.length,
      boxes: 0,
      ...(done.boxesByClass ? { boxesByClass: done.boxesByClass } : {}),
    };

  // A submission's folder comes from whoever sends the message: read only under the worker's roots (a
  // workspace holds the labels pomona collects from Label Studio).
  const notAllowed = await outsideRoots(input.labelsDir, 'labelsDir', [DATA_ROOTS_ENV, WORKSPACE_ROOTS_ENV]);
  if (notAllowed) {
    const labelledCount = (await readLabelledSet(input.labelledPath)).images.length;
    return { ok: false, problems: [notAllowed], problemCount: 1, labelledCount, boxes: 0 };
  }
  const selection = await readSelection(input.selectionPath);
  const manifest = await readManifest(layout.manifest(input.projectDir));
  const byName = new Map(manifest.images.map((i) => [i.name, i]));
  const only = input.images ? new Set(input.images) : null;
  const batch = only ? selection.images.filter((name) => only.has(name)) : selection.images;
  const expected = batch.map((name) => {
    const image = byName.get(name)!;
    return { name, width: image.width, height: image.height };
  });
  const previous = await readLabelledSet(input.labelledPath);
  const stat = await fs.stat(input.labelsDir).catch(() => null);
  if (!stat?.isDirectory()) {
    return {
      ok: false,
      problems: [`${input.labelsDir}: not a folder`],
      problemCount: 1,
      labelledCount: previous.images.length,
      boxes: 0,
    };
  }
  const validation = await validateAnnotations(input.labelsDir, expected, { classes: input.classes });
  if (!validation.ok) {
    const problems = validation.problems.map(formatProblem);
    return {
      ok: false,
      problems: problems.slice(0, MAX_PROBLEMS_REPORTED),
      problemCount: problems.length,
      labelledCount: previous.images.length,
      boxes: 0,
    };
  }

  // Copy the validated labels into the round's folder (temp + rename), then record the new labelled set.
  const annotations = layout.annotations(input.projectDir, input.round);
  const tmp = `${annotations}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  let boxes = 0;
  // Boxes per class of the whole labelled set so far: class imbalance, round by round.
  const boxesByClass: Record<string, number> = { ...(previous.boxesByClass ?? {}) };
  for (const { name } of expected) {
    const labels = validation.labels[name] ?? [];
    boxes += labels.length;
    for (const b of labels) boxesByClass[b.cls.toLowerCase()] = (boxesByClass[b.cls.toLowerCase()] ?? 0) + 1;
    await writeFileAtomic(
      path.join(tmp, `${name}.txt`),
      labels.map((b) => formatKittiLabel(b)).join('\n') + (labels.length ? '\n' : ''),
    );
  }
  await fs.rm(annotations, { recursive: true, force: true });
  await fs.rename(tmp, annotations);
  const next: LabelledSet = {
    round: input.round,
    boxesByClass,
    images: [
      ...previous.images,
      ...expected.map(({ name }) => ({
        name,
        image: byName.get(name)!.file,
        labels: path.join(annotations, `${name}.txt`),
        round: input.round,
      })),
    ],
  };
  await writeJsonAtomic(labelledPath, next);
  return {
    ok: true,
    problems: [],
    problemCount: 0,
    labelledPath,
    labelledCount: next.images.length,
    boxes,
    boxesByClass,
  };
}
