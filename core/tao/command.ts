// Command lines of the YOLOv4 tasks in each dialect (reference: tao-yolov4.md, "Invocation"). Paths are
// container paths. The launcher itself (`tlt`, `tao`) can be replaced by the worker's environment.
import type { TaoDialect } from './settings';

export function defaultLauncher(dialect: TaoDialect): string {
  return dialect === 'tlt3' ? 'tlt' : 'tao';
}

/** `tlt yolo_v4`, `tao yolo_v4` (TAO 3.21/4.0) or `tao model yolo_v4` (TAO 5), without the launcher. */
function taskPrefix(dialect: TaoDialect, task: string): string[] {
  return dialect === 'tao5' ? ['model', 'yolo_v4', task] : ['yolo_v4', task];
}

export function trainArgs(o: {
  dialect: TaoDialect;
  spec: string;
  results: string;
  key: string;
  gpus: number;
  useAmp: boolean;
}): string[] {
  return [
    ...taskPrefix(o.dialect, 'train'),
    '-e',
    o.spec,
    '-r',
    o.results,
    '-k',
    o.key,
    '--gpus',
    String(o.gpus),
    ...(o.useAmp ? ['--use_amp'] : []),
  ];
}

export function evaluateArgs(o: { dialect: TaoDialect; spec: string; model: string; key: string }): string[] {
  return [...taskPrefix(o.dialect, 'evaluate'), '-e', o.spec, '-m', o.model, '-k', o.key];
}

/**
 * Inference into `out`: TAO 5 takes `-r out` and writes `out/labels/` and `out/images_annotated/`;
 * TLT 3.0 / TAO 3.x take the two folders as `-l` and `-o`, so pomona names them the same way.
 */
export function inferenceArgs(o: {
  dialect: TaoDialect;
  spec: string;
  model: string;
  images: string;
  out: string;
  key: string;
  threshold: number;
}): string[] {
  const common = ['-e', o.spec, '-m', o.model, '-i', o.images, '-k', o.key, '-t', String(o.threshold)];
  if (o.dialect === 'tao5') return [...taskPrefix(o.dialect, 'inference'), ...common, '-r', o.out];
  return [...taskPrefix(o.dialect, 'inference'), ...common, '-o', `${o.out}/images_annotated`, '-l', `${o.out}/labels`];
}

/** Where inference wrote its KITTI files, in both layouts (see `inferenceArgs`). */
export function inferenceLabelsDir(out: string): string {
  return `${out}/labels`;
}

/** Replaces the key wherever it appears in text the tool printed (it may echo its command line). */
export function redactKey(text: string, key: string): string {
  return key ? text.split(key).join('<key>') : text;
}
