// The loop's own push into LightlyStudio (`lightly: { enabled: true }`, docs/lightly.md): a real two-round
// loop (stand-in trainer) on a dev server whose CPU worker runs the pushToLightlyStudio activity after each
// round's selection, after round 1's inference on the pool and after round 2's evaluation; afterwards the
// dataset, read back through LightlyStudio's Python API, has both rounds' tags, every label and round 1's
// predictions with their scores. Skipped, with a message, where LightlyStudio is not installed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lightlyStudioDbFile } from '../../core/lightly-studio/push-plan';
import { layout } from '../../core/workspace-layout';
import type { LoopStatus } from '../../workflows/messages';
import {
  asStored,
  byPosition,
  describeInstalled,
  expectPredictions,
  kittiBoxes,
  readBack,
  selected,
  tagged,
} from './read-back';
import { twoRoundLoop } from './two-round-project';

jest.setTimeout(600_000);

describeInstalled('LightlyStudio, pushed by the loop (lightly.enabled)', () => {
  let projectDir: string;
  let last: LoopStatus;
  beforeAll(async () => {
    ({ projectDir, status: last } = await twoRoundLoop('lightly-auto-push', {
      config: { lightly: { enabled: true } },
      record: 'lightly-push',
    }));
  });

  test('every push succeeded: the loop ended as it would without them', () => {
    expect(last).toMatchObject({ stopReason: 'max-rounds', round: 2, labelled: 8, lastError: null });
    expect(fs.existsSync(lightlyStudioDbFile(projectDir))).toBe(true);
  });

  test('the dataset holds both rounds’ tags, every label and round 1’s predictions with their scores', async () => {
    const lightly = await readBack(projectDir);
    const pool = fs.readdirSync(layout.poolImages(projectDir)).sort();
    expect(lightly.images.map((i) => i.file_name)).toEqual(pool);
    expect(lightly.embeddingModels).toBe(1);

    const files = (names: string[]) => names.map((n) => `${n}.png`).sort();
    expect(tagged(lightly, 'initial-selection')).toEqual(files(selected(projectDir, 1)));
    expect(tagged(lightly, 'al-iteration-1')).toEqual(files(selected(projectDir, 2)));
    expect(new Set(lightly.images.flatMap((i) => i.tags))).toEqual(new Set(['initial-selection', 'al-iteration-1']));

    // Labels of both rounds: round 2's came with the push after its evaluation (no pool inference follows it).
    const labelled = [...selected(projectDir, 1), ...selected(projectDir, 2)];
    expect(lightly.images.filter((i) => i.boxes.labels).map((i) => i.file_name)).toEqual(files(labelled));
    for (const name of labelled) {
      const round = selected(projectDir, 1).includes(name) ? 1 : 2;
      const ours = kittiBoxes(path.join(layout.annotations(projectDir, round), `${name}.txt`));
      const image = lightly.images.find((i) => i.file_name === `${name}.png`)!;
      expect(image.boxes.labels.map(({ confidence: _c, ...box }) => box).sort(byPosition)).toEqual(
        ours.map(asStored).sort(byPosition),
      );
    }

    // Round 1's predictions on the pool, once each (pushed four times, nothing doubled), with their scores.
    expectPredictions(lightly, projectDir, 1);
    expect(new Set(lightly.images.flatMap((i) => Object.keys(i.boxes)))).toEqual(
      new Set(['labels', 'predictions-round-1']),
    );
  });
});
