// TAO inference output -> pomona predictions. TAO writes one `<image>.txt` per image (maybe empty) with
// 16-field KITTI lines, confidence last, in original-image pixels, class = the target class of
// `target_class_mapping`. pomona's evaluation compares class names exactly, so each target class is
// mapped back to the labelled class it came from (when exactly one did).
import { formatKittiFile, parseKitti } from '../formats/kitti';
import { formatProblem } from '../formats/problem';

/** Target class (as TAO prints it, compared case-insensitively) -> pomona class. */
export function targetToPomonaClass(
  mapping: readonly [string, string][],
  pomonaClasses: readonly string[],
): Map<string, string> {
  const byKey = new Map(pomonaClasses.map((c) => [c.toLowerCase(), c]));
  const sources = new Map<string, string[]>();
  for (const [key, value] of mapping)
    sources.set(value.toLowerCase(), [...(sources.get(value.toLowerCase()) ?? []), key]);
  const out = new Map<string, string>();
  for (const [target, keys] of sources) out.set(target, keys.length === 1 ? (byKey.get(keys[0]) ?? keys[0]) : target);
  return out;
}

/** One TAO label file's text as a pomona prediction file; a malformed line throws with `file:line`. */
export function convertTaoPredictionFile(text: string, file: string, classes: ReadonlyMap<string, string>): string {
  const parsed = parseKitti(text, file, 'prediction');
  if (parsed.problems.length)
    throw new Error(`TAO wrote malformed predictions: ${parsed.problems.slice(0, 5).map(formatProblem).join('; ')}`);
  return formatKittiFile(
    parsed.boxes.map((b) => ({ ...b, cls: classes.get(b.cls.toLowerCase()) ?? b.cls })),
    'prediction',
  );
}
