import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePushPlan } from './push-plan';

/**
 * A project whose round 0 validation batch is v and w, and whose round 1 selected b: as the loop leaves it
 * once round 1 is selected (`promoted`: v and w have split `validation`), or while round 0's batch waits
 * for its labels (still in the pool).
 */
function projectWithValidationBatch(promoted: boolean): string {
  const project = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-push-plan-')), 'orchard');
  const image = (name: string, ext: string, split: string) => ({
    name,
    file: `/data/images/${name}${ext}`,
    width: 64,
    height: 32,
    split,
  });
  fs.mkdirSync(path.join(project, 'rounds', '0'), { recursive: true });
  if (promoted) fs.mkdirSync(path.join(project, 'rounds', '1'), { recursive: true });
  fs.writeFileSync(
    path.join(project, 'manifest.json'),
    JSON.stringify({
      owner: 'run-1',
      layout: 'images',
      datasetRoot: '/data',
      problems: [],
      images: [
        image('a', '.png', 'pool'),
        image('b', '.png', 'pool'),
        image('v', '.jpg', promoted ? 'validation' : 'pool'),
        image('w', '.png', promoted ? 'validation' : 'pool'),
      ],
    }),
  );
  fs.writeFileSync(path.join(project, 'embeddings.csv'), 'filenames,embedding_0,labels\na.png,1,0\nb.png,0,0\n');
  fs.writeFileSync(
    path.join(project, 'rounds', '0', 'selection.json'),
    JSON.stringify({ round: 0, method: 'RANDOM', labelledBefore: 0, images: ['w', 'v'] }),
  );
  if (promoted)
    fs.writeFileSync(
      path.join(project, 'rounds', '1', 'selection.json'),
      JSON.stringify({ round: 1, method: 'CORESET', labelledBefore: 0, images: ['b'] }),
    );
  return project;
}

const validationTag = { name: 'validation-selection', round: 0, images: ['w.png', 'v.jpg'], skipAbsent: true };

test('a promoted validation batch keeps its tag, by the names its pool links had; a round’s tag is its pool images', async () => {
  const { planFile, plan } = await writePushPlan(projectWithValidationBatch(true));
  expect(plan.tags).toEqual([
    validationTag,
    { name: 'initial-selection', round: 1, images: ['b.png'], skipAbsent: false },
  ]);
  expect(JSON.parse(fs.readFileSync(planFile, 'utf8'))).toEqual(plan);
});

test('the validation batch waiting for labels (still in the pool) has the same tag', async () => {
  expect((await writePushPlan(projectWithValidationBatch(false))).plan.tags).toEqual([validationTag]);
});

test('a round’s tag leaves out what is not in the pool, as before', async () => {
  const project = projectWithValidationBatch(true);
  // A round's selection never names a validation image; were it to, the dataset need not hold it.
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'selection.json'),
    JSON.stringify({ round: 1, method: 'CORESET', labelledBefore: 0, images: ['b', 'v', 'gone'] }),
  );
  const { plan } = await writePushPlan(project);
  expect(plan.tags[1]).toEqual({ name: 'initial-selection', round: 1, images: ['b.png'], skipAbsent: false });
});
