// What tests/lightly reads back from a LightlyStudio dataset (read_back.py, through LightlyStudio's own
// Python API) and pomona's files to compare it with; the suites run only where LightlyStudio is installed.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import {
  lightlyStudioEnv,
  lightlyStudioInstalled,
  lightlyStudioPython,
} from '../../activities/lightly-studio/lightly-studio-env';
import { parseKitti, type Box } from '../../core/formats/kitti';
import { lightlyStudioDbFile, PREDICTION_MIN_SCORE } from '../../core/lightly-studio/push-plan';
import { layout } from '../../core/workspace-layout';

export const run = promisify(execFile);

/** `describe` where LightlyStudio is installed; elsewhere skipped, saying so once per suite. */
export function describeInstalled(name: string, suite: () => void): void {
  if (lightlyStudioInstalled()) return describe(name, suite);
  console.warn('tests/lightly skipped: LightlyStudio is not installed (npx pomona lightly setup installs it)');
  describe.skip(name, suite);
}

export interface ReadBackBox {
  class: string;
  x: number;
  y: number;
  width: number;
  height: number;
  confidence: number | null;
}
export interface ReadBack {
  embeddingModel: string | null;
  embeddingModels: number;
  images: {
    file_name: string;
    path: string;
    tags: string[];
    embedding: number[] | null;
    boxes: Record<string, ReadBackBox[]>;
  }[];
}

export async function readBack(projectDir: string): Promise<ReadBack> {
  const { stdout } = await run(
    lightlyStudioPython(),
    [path.join(__dirname, 'read_back.py'), lightlyStudioDbFile(projectDir), path.basename(projectDir)],
    { encoding: 'utf8', env: lightlyStudioEnv(), maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout) as ReadBack;
}

/** A KITTI box as LightlyStudio keeps it: integer pixels, each value truncated (int()). */
export const asStored = (b: Box) => ({
  class: b.cls,
  x: Math.trunc(b.x1),
  y: Math.trunc(b.y1),
  width: Math.trunc(b.x2 - b.x1),
  height: Math.trunc(b.y2 - b.y1),
});

export function kittiBoxes(file: string): Box[] {
  return fs.existsSync(file) ? parseKitti(fs.readFileSync(file, 'utf8'), file).boxes : [];
}

type Placed = { x: number; y: number; width: number; height: number };
export const byPosition = (a: Placed, b: Placed) => a.x - b.x || a.y - b.y || a.width - b.width || a.height - b.height;

export const selected = (projectDir: string, round: number) =>
  (JSON.parse(fs.readFileSync(layout.selection(projectDir, round), 'utf8')) as { images: string[] }).images;

/** The images of `lightly` with `tag`, sorted. */
export const tagged = (lightly: ReadBack, tag: string) =>
  lightly.images
    .filter((i) => i.tags.includes(tag))
    .map((i) => i.file_name)
    .sort();

/**
 * Every image's boxes in `predictions-round-<round>` equal the round's KITTI predictions from
 * PREDICTION_MIN_SCORE up, scores included; some predictions fall under it, so the cut is seen working.
 */
export function expectPredictions(lightly: ReadBack, projectDir: string, round: number): void {
  let predicted = 0;
  let leftOut = 0;
  for (const image of lightly.images) {
    const name = image.file_name.replace(/\.png$/, '');
    const all = kittiBoxes(path.join(layout.predictions(projectDir, round), `${name}.txt`));
    const ours = all.filter((b) => b.score! >= PREDICTION_MIN_SCORE);
    predicted += ours.length;
    leftOut += all.length - ours.length;
    const theirs = [...(image.boxes[`predictions-round-${round}`] ?? [])].sort(byPosition);
    expect(theirs.map(({ confidence: _c, ...box }) => box)).toEqual(ours.map(asStored).sort(byPosition));
    const scores = theirs.map((b) => b.confidence!).sort();
    ours
      .map((b) => b.score!)
      .sort()
      .forEach((s, i) => expect(scores[i]).toBeCloseTo(s, 4));
  }
  expect(predicted).toBeGreaterThan(0);
  expect(leftOut).toBeGreaterThan(0);
}
