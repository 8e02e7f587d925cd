// A round 0 validation batch in LightlyStudio (docs/lightly.md, "Push"): its images leave the pool once
// labelled, yet a dataset pushed before then holds them, and the next push tags them `validation-selection`;
// a dataset made after holds none of them, and the push skips them without failing. A real loop (dev server,
// stand-in trainer) up to round 1's batch, pushed with the real LightlyStudio and read back through its
// Python API. Skipped, with a message, where LightlyStudio is not installed.
import type { WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pushProject } from '../../activities/lightly-studio/lightly-studio-push';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { lightlyStudioDir } from '../../core/lightly-studio/push-plan';
import { layout } from '../../core/workspace-layout';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import type { LoopStatus } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { annotateRound, waitForStatus } from '../helpers/loop-driver';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { useStandInTrainer } from '../helpers/stand-in-trainer';
import { describeInstalled, readBack, selected, tagged } from './read-back';

jest.setTimeout(600_000);

const push = (projectDir: string) => pushProject(projectDir, { onStderr: () => undefined });
const pngs = (names: string[]) => names.map((n) => `${n}.png`).sort();

describeInstalled('LightlyStudio and a round 0 validation batch', () => {
  useStandInTrainer(0.05);
  const loopEnv = useLoopEnvironment();
  let handle: WorkflowHandle<typeof activeLearningLoop> | undefined;
  afterAll(async () => {
    await handle?.terminate('test done').catch(() => undefined);
  });

  test('a dataset pushed before the batch left the pool has its images tagged validation-selection by the next push', async () => {
    const project = 'lightly-validation-batch';
    const workspace = tempWorkspace();
    const projectDir = path.join(workspace, project);
    const config: LoopConfigInput = {
      project,
      workspace,
      // No validation set: people label 4 random pool images first (round 0).
      dataset: { path: tinyOrchard(16, 7), validation: { annotate: 4 } },
      selection: {
        initial: { method: 'CORESET', size: { nTotal: 4 } },
        rounds: { method: 'CORAL', size: { batchSize: 4 } },
      },
      embedding: { epochs: 1, dim: 8 },
      trainer: { minSteps: 0, epochs: 1, device: 'cpu', inputSize: '128x64' },
      stop: { maxRounds: 1 },
    };
    handle = await loopEnv().client.workflow.start(activeLearningLoop, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `pomona-${project}`,
      args: [config],
    });
    const waiting = (round: number) => (s: LoopStatus) =>
      s.phase === 'awaiting-annotation' && s.pendingBatch?.round === round;
    await waitForStatus(handle, waiting(0), 'the validation batch');
    const pool = fs.readdirSync(layout.poolImages(projectDir)).sort();
    expect(pool).toHaveLength(16);

    // As if pushed before round 0's batch was selected (rounds/0 not there yet): its images, untagged. (Pushed
    // after, they are tagged at once; either way only a push after promotion can still name them.)
    const round0Dir = path.join(projectDir, 'rounds', '0');
    const later = path.join(projectDir, 'rounds', 'later-0');
    fs.renameSync(round0Dir, later);
    const before = await push(projectDir).finally(() => fs.renameSync(later, round0Dir));
    expect(before.summary).toMatchObject({ images: 16, imagesAdded: 16, tags: {}, tagsAbsent: {} });
    expect((await readBack(projectDir)).images.flatMap((i) => i.tags)).toEqual([]);

    // People label the batch; it leaves the pool (promoteValidation) and round 1 selects from the rest.
    await annotateRound(handle, 0);
    await waitForStatus(handle, waiting(1), 'round 1 batch');
    await handle.terminate('round 1 selected: enough for this test');
    handle = undefined;
    const validation = selected(projectDir, 0);
    expect(fs.readdirSync(layout.poolImages(projectDir)).sort()).toEqual(
      pool.filter((f) => !pngs(validation).includes(f)),
    );

    // The next push tags them, in the dataset that still holds them.
    const after = await push(projectDir);
    const lightly = await readBack(projectDir);
    expect(tagged(lightly, 'validation-selection')).toEqual(pngs(validation));
    expect(tagged(lightly, 'initial-selection')).toEqual(pngs(selected(projectDir, 1)));
    expect(after.summary).toMatchObject({
      images: 16,
      imagesAdded: 0,
      tags: { 'validation-selection': 4, 'initial-selection': 4 },
      tagsAbsent: {},
    });

    // A dataset made after they left the pool holds none of them: skipped, counted, not an error.
    fs.rmSync(lightlyStudioDir(projectDir), { recursive: true });
    const fresh = await push(projectDir);
    expect(fresh.summary).toMatchObject({
      images: 12,
      imagesAdded: 12,
      tags: { 'validation-selection': 0, 'initial-selection': 4 },
      tagsAbsent: { 'validation-selection': 4 },
    });
    expect(tagged(await readBack(projectDir), 'validation-selection')).toEqual([]);
  });
});
