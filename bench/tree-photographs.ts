// The real tree photographs of the benchmarks: NEON aerial RGB scenes with Pascal VOC tree-crown boxes from
// the deepforest wheel (MIT), ingested as a VOC folder by pomona's own ingest. One scene to train on
// (2019_YELL_2_528000_4978000_image_crop2, 2299x2472, 574 trees), three others to evaluate on
// (2019_YELL_2_541000_4977000_image_crop 1249x1035, 279; OSBS_029 400x400, 61; SOAP_061 400x400, 37).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ingestDataset, type ManifestEntry } from '../core/dataset/ingest';
import { deepforestDataDir } from '../tests/helpers/deepforest';

export const TREE_TRAIN = '2019_YELL_2_528000_4978000_image_crop2';
export const TREE_VAL = ['2019_YELL_2_541000_4977000_image_crop', 'OSBS_029', 'SOAP_061'];

export interface TreePhotographs {
  train: ManifestEntry;
  val: ManifestEntry[];
  /** KITTI labels of the validation scenes with every class as "tree" (SOAP_061 labels Dead/Alive). */
  valLabelsOneClass: string;
}

export async function treePhotographs(work: string): Promise<TreePhotographs> {
  const source = deepforestDataDir();
  const voc = path.join(work, 'trees');
  for (const sub of ['images', 'annotations']) fs.mkdirSync(path.join(voc, sub), { recursive: true });
  for (const name of [TREE_TRAIN, ...TREE_VAL]) {
    for (const [sub, ext] of [
      ['images', '.png'],
      ['annotations', '.xml'],
    ]) {
      const link = path.join(voc, sub, name + ext);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join(source, name + ext), link);
    }
  }
  // the benchmarks detect trees, whatever their state
  const manifest = await ingestDataset(voc, path.join(work, 'trees-labels'), { classes: ['tree', 'dead', 'alive'] });
  if (manifest.problems.length)
    throw new Error(`trees: ${manifest.problems.length} dataset problems, first: ${manifest.problems[0].message}`);
  const byName = new Map(manifest.images.map((i) => [i.name, i]));
  const val = TREE_VAL.map((n) => byName.get(n)!);
  const valLabelsOneClass = path.join(work, 'trees-val-one-class');
  fs.mkdirSync(valLabelsOneClass, { recursive: true });
  for (const item of val)
    fs.writeFileSync(
      path.join(valLabelsOneClass, `${item.name}.txt`),
      fs.readFileSync(item.labels!, 'utf8').replace(/^\S+/gm, 'tree'),
    );
  return { train: byName.get(TREE_TRAIN)!, val, valLabelsOneClass };
}
