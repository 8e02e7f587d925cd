// What one push of a project into LightlyStudio holds (integrations/lightly-studio reads it): the pool's
// image links, pomona's embeddings CSV, the labels imported so far and each round's predictions as COCO
// files, one tag per round's selection. Read from the project's artifacts (DESIGN.md, "Artifacts"), so it
// works for loops that ended long ago; written under <project>/lightly-studio/ beside the dataset's
// DuckDB file. Only paths, names and boxes: no image data, no vectors.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { cocoPredictions } from '../formats/coco-predictions';
import type { ImageFile } from '../formats/images';
import type { Box } from '../formats/kitti';
import { forEachPoolPrediction } from '../formats/pool-predictions';
import { parseKitti } from '../formats/kitti';
import { writeJsonAtomic } from '../io/atomic-write';
import { labelledSet } from '../project/labelled-set';
import { projectManifest, type ManifestImage } from '../project/manifest';
import { selectionFile } from '../project/selection-file';
import { layout } from '../workspace-layout';
import { projectRounds, readProjectFileIfPresent } from '../project/read-project-files';

/** The annotation source of the labels people gave (imported by the loop, round by round). */
export const LABELS_SOURCE = 'labels';

export const lightlyStudioDir = (projectDir: string) => path.join(projectDir, 'lightly-studio');
export const lightlyStudioDbFile = (projectDir: string) => path.join(lightlyStudioDir(projectDir), 'dataset.db');

/** The seed tutorial's tag names: `initial-selection` for round 1, `al-iteration-<n-1>` for round n. */
export function selectionTagName(round: number): string {
  if (round === 0) return 'validation-selection';
  return round === 1 ? 'initial-selection' : `al-iteration-${round - 1}`;
}

/**
 * Predictions under this score stay out of LightlyStudio. The detector keeps boxes down to 0.05 for CORAL's
 * scores (about 250 an image on the demo), and LightlyStudio's image grid slows with every stored box:
 * measured on the 120-image demo pool, its first page took 3.6 s with the 2,260 labels alone, 32 s with two
 * rounds' predictions at 0.3 or more (8,600 boxes), and had not answered after 150 s with all 50,000.
 * 0.3 is also the report's default for drawing boxes.
 */
export const PREDICTION_MIN_SCORE = 0.3;

/** The annotation source of the predictions made after round `round`'s training. */
export const predictionsSource = (round: number) => `predictions-round-${round}`;

export interface PushPlan {
  dbFile: string;
  /** The dataset's name in LightlyStudio: the project's. */
  dataset: string;
  /** The pool's image links (`<name><ext>`), which the embeddings CSV names. */
  imagesDir: string;
  embeddings: { csv: string; spaceKey: string };
  sources: { name: string; coco: string; images: number; boxes: number }[];
  /** Predictions under this score were left out of the sources. */
  predictionMinScore: number;
  tags: SelectionTag[];
}

export interface SelectionTag {
  name: string;
  round: number;
  /** File names as the pool's links name them (`<name><ext>`). */
  images: string[];
  /**
   * Round 0's validation batch: its images leave the pool once labelled (promoteValidation), so a dataset
   * pushed before that holds them and one pushed after does not. Those the dataset holds are tagged, the
   * others skipped; every other tag's images must all be in the dataset.
   */
  skipAbsent: boolean;
}

/** A COCO file of `boxes` over `images` (file names as in the pool's links); people's labels carry no score. */
async function writeCoco(
  file: string,
  images: ImageFile[],
  boxes: Map<string, Box[]>,
  withScores: boolean,
): Promise<{ images: number; boxes: number }> {
  const coco = cocoPredictions(images, boxes);
  const annotations = withScores ? coco.annotations : coco.annotations.map(({ score: _score, ...rest }) => rest);
  await writeJsonAtomic(file, { ...coco, annotations });
  return { images: coco.images.length, boxes: annotations.length };
}

/** Reads the project and writes the plan and its COCO files under <project>/lightly-studio/; returns the plan. */
export async function writePushPlan(
  projectDir: string,
  options: { predictionMinScore?: number } = {},
): Promise<{ planFile: string; plan: PushPlan }> {
  const minScore = options.predictionMinScore ?? PREDICTION_MIN_SCORE;
  const manifestFile = layout.manifest(projectDir);
  const manifest = await readProjectFileIfPresent(projectManifest, manifestFile);
  if (!manifest) throw new Error(`${manifestFile}: no manifest; is ${projectDir} a pomona project folder?`);
  const embeddingsCsv = layout.embeddings(projectDir);
  const csv = await fs.readFile(embeddingsCsv).catch(() => {
    throw new Error(`${embeddingsCsv}: no embeddings yet (the loop writes them while preparing)`);
  });
  const out = lightlyStudioDir(projectDir);
  await fs.mkdir(out, { recursive: true });

  // Every image by name, as the pool's links name them (prepare: `<name><image's extension>`); the manifest
  // keeps a validation batch's images after they leave the pool, with split `validation`.
  const linked = (i: ManifestImage): ImageFile => ({
    name: i.name,
    file: `${i.name}${path.extname(i.file)}`,
    width: i.width,
    height: i.height,
  });
  const pool = new Map(manifest.images.filter((i) => i.split === 'pool').map((i) => [i.name, linked(i)]));
  const manifestImages = new Map(manifest.images.map((i) => [i.name, linked(i)]));
  const inPool = (names: Iterable<string>) => [...names].filter((n) => pool.has(n)).map((n) => pool.get(n)!);
  const inManifest = (names: Iterable<string>) =>
    [...names].filter((n) => manifestImages.has(n)).map((n) => manifestImages.get(n)!);

  const rounds = await projectRounds(projectDir);
  const sources: PushPlan['sources'] = [];
  const tags: PushPlan['tags'] = [];

  // The labelled set of the newest round that has one holds every label imported so far.
  let labelled = null;
  for (const round of rounds)
    labelled = (await readProjectFileIfPresent(labelledSet, layout.labelled(projectDir, round))) ?? labelled;
  if (labelled) {
    const boxes = new Map<string, Box[]>();
    for (const image of labelled.images) {
      if (!pool.has(image.name)) continue; // a validation batch's image (round 0) left the pool
      const parsed = parseKitti(await fs.readFile(image.labels, 'utf8'), image.labels, 'label');
      if (parsed.problems.length) throw new Error(`${image.labels}: ${parsed.problems[0].message}`);
      boxes.set(image.name, parsed.boxes);
    }
    const coco = path.join(out, `${LABELS_SOURCE}.coco.json`);
    sources.push({ name: LABELS_SOURCE, coco, ...(await writeCoco(coco, inPool(boxes.keys()), boxes, false)) });
  }

  for (const round of rounds) {
    const selection = await readProjectFileIfPresent(selectionFile, layout.selection(projectDir, round));
    if (selection) {
      // Round 0's batch by every image it named, in the pool or not: labelled, they leave the pool, yet a
      // dataset pushed before then holds them (untagged, if pushed before the batch was selected).
      const validationBatch = round === 0;
      const images = validationBatch ? inManifest(selection.images) : inPool(selection.images);
      tags.push({
        name: selectionTagName(round),
        round,
        images: images.map((i) => i.file),
        skipAbsent: validationBatch,
      });
    }
    const predictionsDir = layout.predictions(projectDir, round);
    if (!(await fs.stat(predictionsDir).catch(() => null))?.isDirectory()) continue;
    const boxes = new Map<string, Box[]>();
    await forEachPoolPrediction(predictionsDir, undefined, (name, found) => {
      if (pool.has(name))
        boxes.set(
          name,
          found.filter((b) => (b.score ?? 1) >= minScore),
        );
    });
    const coco = path.join(out, `${predictionsSource(round)}.coco.json`);
    sources.push({
      name: predictionsSource(round),
      coco,
      ...(await writeCoco(coco, inPool(boxes.keys()), boxes, true)),
    });
  }

  const plan: PushPlan = {
    dbFile: lightlyStudioDbFile(projectDir),
    dataset: path.basename(projectDir),
    imagesDir: path.resolve(layout.poolImages(projectDir)),
    embeddings: {
      csv: path.resolve(embeddingsCsv),
      // New vectors (a re-embedded pool) are a new embedding space, never mixed with the old ones.
      spaceKey: `pomona/embeddings.csv@${crypto.createHash('sha256').update(csv).digest('hex').slice(0, 16)}`,
    },
    sources,
    predictionMinScore: minScore,
    tags,
  };
  const planFile = path.join(out, 'push-plan.json');
  await writeJsonAtomic(planFile, plan);
  return { planFile, plan };
}
