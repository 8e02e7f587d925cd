// A labelled dataset's ground truth as KITTI files (one <image>.txt each, what a loop's annotators submit),
// for every image or only those of an image list (a batch's images.txt). What it writes passes the same
// validation a submission does, or nothing is written.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatKittiFile } from '../formats/kitti';
import { formatProblem } from '../formats/problem';
import { readDataset, type IngestOptions } from './ingest';
import { validateAnnotations } from './validate-annotations';

export interface WrittenLabels {
  files: number;
  boxes: number;
}

/** Image names from an image list: one per line, a path (`.../images/000012.png`) or a bare name; each once. */
export function namesFromImageList(text: string): string[] {
  const names = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => path.basename(line, path.extname(line)));
  return [...new Set(names)];
}

const problemList = (lines: string[]) =>
  lines.slice(0, 10).join('\n  ') + (lines.length > 10 ? `\n  ... (${lines.length} in all)` : '');

/**
 * Writes `outDir/<name>.txt` for each wanted image (all when `names` is absent), boxes of other classes than
 * `classes` left out. Refuses, writing nothing, when the dataset has no annotations, a wanted image is not in
 * it or has no usable annotation, the labels would not pass a submission's validation (a box outside its
 * image), or `outDir` holds files already (they would be submitted with the batch).
 */
export async function writeDatasetLabels(
  datasetDir: string,
  outDir: string,
  options: IngestOptions & { names?: readonly string[] } = {},
): Promise<WrittenLabels> {
  const entries = await fs.readdir(outDir).catch(() => []);
  if (entries.length) throw new Error(`${outDir}: not empty (${entries.length} entries); give a new or empty folder`);
  const { manifest, boxes } = await readDataset(datasetDir, undefined, options);
  if (manifest.layout === 'images') throw new Error(`${datasetDir}: images only, no annotations to write labels from`);
  const byName = new Map(manifest.images.map((image) => [image.name, image]));
  const wanted = options.names ?? manifest.images.map((image) => image.name);
  const missing = wanted.filter((name) => !byName.has(name));
  if (missing.length)
    throw new Error(
      `${datasetDir}: ${missing.length} listed image(s) not in the dataset: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  const unlabelled = new Set(wanted.filter((name) => !boxes.has(name)));
  if (unlabelled.size) {
    // An annotation file is named after its image (a.png: masks/a.png, labels/a.txt, annotations/a.xml).
    const why = manifest.problems
      .filter((p) => unlabelled.has(path.basename(p.file, path.extname(p.file))))
      .map(formatProblem);
    throw new Error(
      `${datasetDir}: no labels for ${unlabelled.size} listed image(s):\n  ${problemList(why.length ? why : [...unlabelled].map((name) => `${name}: no usable annotation`))}`,
    );
  }
  // Written beside the target and renamed into place, once they pass what an import checks.
  const partial = `${outDir.replace(/\/+$/, '')}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  await fs.mkdir(partial, { recursive: true });
  try {
    // KITTI boxes come as written, other classes included (ingest uses those files in place).
    const allowed = options.classes ? new Set(options.classes.map((c) => c.toLowerCase())) : null;
    let count = 0;
    for (const name of wanted) {
      const kept = boxes.get(name)!.filter((box) => !allowed || allowed.has(box.cls.toLowerCase()));
      await fs.writeFile(path.join(partial, `${name}.txt`), formatKittiFile(kept));
      count += kept.length;
    }
    const checked = await validateAnnotations(
      partial,
      wanted.map((name) => byName.get(name)!),
      { classes: options.classes },
    );
    if (!checked.ok) {
      // Named by image: lines of the written file are not those of the dataset's annotation.
      const problems = checked.problems.map(
        (p) => `${byName.get(path.basename(p.file, '.txt'))?.file ?? p.file}: ${p.message}`,
      );
      throw new Error(`${datasetDir}: its labels would be rejected by a loop:\n  ${problemList(problems)}`);
    }
    await fs.rm(outDir, { recursive: true, force: true }); // empty or absent (checked above)
    await fs.rename(partial, outDir);
    return { files: wanted.length, boxes: count };
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
}
