// A labelled dataset's ground truth as KITTI files (one <image>.txt each, what a loop's annotators submit),
// for every image or only those of an image list (a batch's images.txt).
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../formats/problem';
import { ingestDataset, type IngestOptions } from './ingest';

export interface WrittenLabels {
  files: number;
  boxes: number;
}

/** Image names from an image list: one per line, a path (`.../images/000012.png`) or a bare name. */
export function namesFromImageList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => path.basename(line, path.extname(line)));
}

/**
 * Writes `outDir/<name>.txt` for each wanted image (all when `names` is absent). Refuses, writing nothing,
 * when the dataset has no annotations, when a wanted image is not in it, or when its annotation cannot be read.
 */
export async function writeDatasetLabels(datasetDir: string, outDir: string, options: IngestOptions & { names?: readonly string[] } = {}): Promise<WrittenLabels> {
  // MinneApple masks and VOC XML become KITTI files during ingest; KITTI labels are read in place.
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'pomona-labels-'));
  try {
    const manifest = await ingestDataset(datasetDir, scratch, options);
    if (manifest.layout === 'images') throw new Error(`${datasetDir}: images only, no annotations to write labels from`);
    const byName = new Map(manifest.images.map((image) => [image.name, image]));
    const wanted = options.names ?? manifest.images.map((image) => image.name);
    const missing = wanted.filter((name) => !byName.has(name));
    if (missing.length) throw new Error(`${datasetDir}: ${missing.length} listed image(s) not in the dataset: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    // Ingest's problems that still leave a label (a mask without instances: an empty file) do not stop it.
    const unlabelled = new Set(wanted.filter((name) => !byName.get(name)!.labels));
    if (unlabelled.size) {
      // An annotation file is named after its image (a.png: masks/a.png, labels/a.txt, annotations/a.xml).
      const why = manifest.problems.filter((p) => unlabelled.has(path.basename(p.file, path.extname(p.file)))).map(formatProblem);
      const shown = (why.length ? why : [...unlabelled].map((name) => `${name}: no usable annotation`)).slice(0, 10);
      throw new Error(`${datasetDir}: no labels for ${unlabelled.size} listed image(s):\n  ${shown.join('\n  ')}`);
    }
    await fs.mkdir(outDir, { recursive: true });
    let boxes = 0;
    for (const name of wanted) {
      const image = byName.get(name)!;
      await fs.copyFile(image.labels!, path.join(outDir, `${name}.txt`));
      boxes += image.boxes ?? 0;
    }
    return { files: wanted.length, boxes };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
