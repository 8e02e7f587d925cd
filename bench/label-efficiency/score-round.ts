// One round's score in the label-efficiency benchmark: mAP@0.5 on the validation split and on the validation
// images of each scene kind (where the model fails, not only how much), from one read of both folders.
import { readKittiFolder } from '../../core/formats/kitti-folder';
import { vocAp50, type BoxesByImage } from '../../core/metrics/map';

export async function scoreRound(
  labels: string,
  pred: string,
  scenes?: Record<string, string>,
): Promise<{ map50: number; byScene?: Record<string, number> }> {
  const gt = await readKittiFolder(labels, 'either', undefined, false);
  const preds = await readKittiFolder(pred, 'prediction', [...gt.keys()], true);
  if (!scenes) return { map50: vocAp50(gt, preds) };
  const groups = new Map<string, string[]>();
  for (const name of gt.keys()) groups.set(scenes[name] ?? '?', [...(groups.get(scenes[name] ?? '?') ?? []), name]);
  const subset = (m: BoxesByImage, names: string[]): BoxesByImage => new Map(names.map((n) => [n, m.get(n) ?? []]));
  const byScene = Object.fromEntries(
    [...groups.entries()].sort().map(([scene, names]) => [scene, vocAp50(subset(gt, names), subset(preds, names))]),
  );
  return { map50: vocAp50(gt, preds), byScene };
}
