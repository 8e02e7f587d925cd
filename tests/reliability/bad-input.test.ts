// The bad-input table (docs/reliability.md), part 1: operator mistakes in the config, the dataset and the
// label files, each fed to the real check that catches it; the test pins the error the operator sees.
// Messages and trainer failures go through a real loop in bad-input-loop.test.ts.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareProject } from '../../activities/prepare';
import type { PreparedProject } from '../../activities/types';
import { parseLoopConfig, type LoopConfigInput } from '../../core/config/loop-config';
import { ingestDataset } from '../../core/dataset/ingest';
import { validateAnnotations, type ExpectedImage } from '../../core/dataset/validate-annotations';
import { formatProblem } from '../../core/formats/problem';
import { tempWorkspace } from '../helpers/orchard';
import { writeGreyPng, writeRgbPng } from '../helpers/png';
import { docRowIds } from './doc-rows';

const root = tempWorkspace();
// The activity's own failure log would repeat what each case asserts.
const quiet = new DefaultLogger('ERROR');

// Edits write wrong types into any field on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Draft = Record<string, any>;

function baseConfig(): LoopConfigInput {
  return {
    project: 'orchard',
    workspace: path.join(root, 'ws'),
    dataset: { path: path.join(root, 'good') },
    selection: { initial: { method: 'CORESET', size: { nTotal: 4 } }, rounds: { size: { batchSize: 2 } } },
  };
}

/** The config with `edit` applied to a deep copy; the text is what `pomona start` and the workflow print. */
function configError(edit: (c: Draft) => void): string {
  const config = structuredClone(baseConfig()) as Draft;
  edit(config);
  const parsed = parseLoopConfig(config);
  return parsed.ok ? 'accepted' : parsed.problems.join('; ');
}

/** A MinneApple-layout folder: `images/<n>.png` 32x24 and `masks/<n>.png` with one instance. */
function minneApple(name: string, images: string[]): string {
  const dir = path.join(root, name);
  for (const n of images) {
    writeRgbPng(path.join(dir, 'images', `${n}.png`), 32, 24);
    writeGreyPng(path.join(dir, 'masks', `${n}.png`), 32, 24, (x, y) => (x >= 4 && x < 10 && y >= 4 && y < 9 ? 1 : 0));
  }
  return dir;
}

/** A Pascal VOC folder: `images/a.png` 32x24 and `annotations/a.xml` holding `objects` (one per line from line 2). */
function vocFolder(name: string, objects: string[]): string {
  const dir = path.join(root, name);
  writeRgbPng(path.join(dir, 'images', 'a.png'), 32, 24);
  fs.mkdirSync(path.join(dir, 'annotations'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'annotations', 'a.xml'),
    ['<annotation>', ...objects, '</annotation>', ''].join('\n'),
  );
  return dir;
}

const vocObject = (name: string, xmin: string) =>
  `<object><name>${name}</name><bndbox><xmin>${xmin}</xmin><ymin>4</ymin><xmax>10</xmax><ymax>9</ymax></bndbox></object>`;

/** The problems prepareProject records for a dataset (it passes the config's annotation.classes to ingest). */
async function prepareProblems(dir: string): Promise<string> {
  const parsed = parseLoopConfig({
    ...baseConfig(),
    workspace: fs.mkdtempSync(path.join(root, 'ws-')),
    dataset: { path: dir },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const prepared = (await new MockActivityEnvironment(undefined, { logger: quiet }).run(
    prepareProject,
    parsed.config,
  )) as PreparedProject;
  return prepared.problems.join('; ') || 'no problems';
}

async function ingestProblems(dir: string): Promise<string> {
  const manifest = await ingestDataset(dir);
  return manifest.problems.map(formatProblem).join('; ') || 'no problems';
}

async function prepareError(edit: (c: Draft) => void): Promise<string> {
  const config = structuredClone(baseConfig()) as Draft;
  edit(config);
  const parsed = parseLoopConfig(config);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const error = await new MockActivityEnvironment(undefined, { logger: quiet })
    .run(prepareProject, parsed.config)
    .catch((e: unknown) => e);
  const failure = error as Error & { type?: string; nonRetryable?: boolean };
  return failure instanceof Error
    ? `${failure.type}${failure.nonRetryable ? ' (non-retryable)' : ''}: ${failure.message}`
    : 'prepared';
}

const batch: ExpectedImage[] = [
  { name: 'a', width: 32, height: 24 },
  { name: 'b', width: 32, height: 24 },
];

/** A labels folder for the batch `a`, `b` with good labels, then `files` written over it (null deletes). */
async function labelErrors(name: string, files: Record<string, string | null>, classes?: string[]): Promise<string> {
  const dir = path.join(root, 'labels', name);
  fs.mkdirSync(dir, { recursive: true });
  const good = 'apple 0.00 0 0.00 4 4 10 9 0.00 0.00 0.00 0.00 0.00 0.00 0.00\n';
  fs.writeFileSync(path.join(dir, 'a.txt'), good);
  fs.writeFileSync(path.join(dir, 'b.txt'), '');
  for (const [file, text] of Object.entries(files)) {
    if (text === null) fs.rmSync(path.join(dir, file));
    else fs.writeFileSync(path.join(dir, file), text);
  }
  const result = await validateAnnotations(dir, batch, { classes });
  return result.ok
    ? 'accepted'
    : result.problems.map((p) => formatProblem({ ...p, file: path.relative(dir, p.file) || '.' })).join('; ');
}

interface BadInput {
  id: string;
  answer: () => string | Promise<string>;
  expected: RegExp;
}

const cases: BadInput[] = [
  // Config: caught by the zod schema (core/config/loop-config.ts) in `pomona start` and again when the workflow starts.
  {
    id: 'config-missing-project',
    answer: () => configError((c) => delete c.project),
    expected: /^project: Invalid input: expected string, received undefined$/,
  },
  {
    id: 'config-bad-project-name',
    answer: () => configError((c) => (c.project = 'My Orchard')),
    expected: /^project: lowercase letters, digits/,
  },
  {
    id: 'config-relative-workspace',
    answer: () => configError((c) => (c.workspace = 'ws')),
    expected: /^workspace: an absolute path$/,
  },
  {
    id: 'config-missing-dataset-path',
    answer: () => configError((c) => delete c.dataset.path),
    expected: /^dataset\.path: Invalid input: expected string/,
  },
  {
    id: 'config-missing-initial-size',
    answer: () => configError((c) => delete c.selection.initial.size),
    expected: /^selection\.initial\.size: Invalid input/,
  },
  {
    id: 'config-negative-size',
    answer: () => configError((c) => (c.selection.initial.size = { nTotal: -3 })),
    expected: /^selection\.initial\.size\.nTotal: Too small: expected number to be >0$/,
  },
  {
    id: 'config-fractional-batch',
    answer: () => configError((c) => (c.selection.rounds.size = { batchSize: 2.5 })),
    expected: /^selection\.rounds\.size: Invalid input/,
  },
  {
    id: 'config-two-sizes',
    answer: () => configError((c) => (c.selection.rounds.size = { batchSize: 2, nTotal: 8 })),
    expected: /^selection\.rounds\.size: Invalid input/,
  },
  {
    id: 'config-coral-first-round',
    answer: () => configError((c) => (c.selection.initial.method = 'CORAL')),
    expected: /^selection\.initial\.method: Invalid option: expected one of "RANDOM"\|"CORESET"\|"TYPICLUST"$/,
  },
  {
    id: 'config-unknown-field',
    answer: () => configError((c) => (c.trainer = { epoch: 3 })),
    expected: /^trainer: Unrecognized key: "epoch"$/,
  },
  {
    id: 'config-ill-typed-epochs',
    answer: () => configError((c) => (c.trainer = { epochs: '5' })),
    expected: /^trainer\.epochs: Invalid input: expected number, received string$/,
  },
  {
    id: 'config-validation-fraction',
    answer: () => configError((c) => (c.dataset.validation = { fraction: 1.5 })),
    expected: /^dataset\.validation\.fraction: Too big: expected number to be <1$/,
  },
  {
    id: 'config-input-size-format',
    answer: () => configError((c) => (c.trainer = { inputSize: '448' })),
    expected: /^trainer\.inputSize: WIDTHxHEIGHT, e\.g\. "448x256"$/,
  },
  {
    id: 'config-input-size-impossible',
    answer: () => configError((c) => (c.trainer = { inputSize: '100x50' })),
    expected: /^trainer\.inputSize: width and height must be multiples of 32, at least 64$/,
  },
  {
    id: 'config-input-size-too-big',
    answer: () => configError((c) => (c.trainer = { inputSize: '4096x256' })),
    expected:
      /^trainer\.inputSize: width and height at most 2048 \(larger images are trained on crops and inferred in tiles\)$/,
  },
  {
    id: 'config-batch-size-too-big',
    answer: () => configError((c) => (c.trainer = { batchSize: 1024 })),
    expected: /^trainer\.batchSize: Too big: expected number to be <=256$/,
  },
  {
    id: 'config-too-many-epochs',
    answer: () => configError((c) => (c.trainer = { epochs: 1e6 })),
    expected: /^trainer\.epochs: Too big: expected number to be <=1000$/,
  },
  {
    id: 'config-too-many-steps',
    answer: () => configError((c) => (c.trainer = { minSteps: 1e7 })),
    expected: /^trainer\.minSteps: Too big: expected number to be <=100000$/,
  },
  {
    id: 'config-too-many-embedding-epochs',
    answer: () => configError((c) => (c.embedding = { epochs: 5000 })),
    expected: /^embedding\.epochs: Too big: expected number to be <=1000$/,
  },
  {
    id: 'config-selection-too-big',
    answer: () => configError((c) => (c.selection!.rounds = { size: { batchSize: 2e6 } })),
    expected: /^selection\.rounds\.size\.batchSize: Too big: expected number to be <=1000000$/,
  },
  {
    id: 'config-shards-in-flight-too-many',
    answer: () => configError((c) => (c.shards = { images: 1000, inFlight: 5000 })),
    expected: /^shards\.inFlight: Too big: expected number to be <=1000$/,
  },
  {
    id: 'config-shards-empty',
    answer: () => configError((c) => (c.shards = { images: 0 })),
    expected: /^shards\.images: Too small: expected number to be >=1$/,
  },
  {
    id: 'config-bad-duration',
    answer: () => configError((c) => (c.timeouts = { heartbeat: '2 minutes' })),
    expected: /^timeouts\.heartbeat: a duration like "90s"/,
  },
  {
    id: 'config-target-map-above-1',
    answer: () => configError((c) => (c.stop = { targetMap50: 2 })),
    expected: /^stop\.targetMap50: Too big: expected number to be <=1$/,
  },
  {
    id: 'config-zero-attempts',
    answer: () => configError((c) => (c.trainer = { maxAttempts: 0 })),
    expected: /^trainer\.maxAttempts: Too small: expected number to be >=1$/,
  },
  {
    id: 'config-no-classes',
    answer: () => configError((c) => (c.annotation = { classes: [] })),
    expected: /^annotation\.classes: Too small: expected array to have >=1 items$/,
  },
  {
    id: 'config-tao-class-mapping-unknown',
    answer: () =>
      configError(
        (c) =>
          (c.trainer = {
            backend: 'tao',
            tao: { dialect: 'tao5', pretrainedModel: '/models/resnet_18.hdf5', classMapping: { aple: 'apple' } },
          }),
      ),
    expected:
      /^trainer\.tao\.classMapping\.aple: "aple" is not in annotation\.classes \(apple\), so no label can have it$/,
  },
  {
    id: 'config-embed-infer-attempts',
    answer: () => configError((c) => (c.trainer = { maxEmbedInferAttempts: 1.5 })),
    expected: /^trainer\.maxEmbedInferAttempts: Invalid input: expected int, received number$/,
  },
  {
    id: 'config-lightly-enabled-string',
    answer: () => configError((c) => (c.lightly = { enabled: 'yes' })),
    expected: /^lightly\.enabled: Invalid input: expected boolean, received string$/,
  },
  // Paths: caught by prepareProject (activities/prepare.ts) as non-retryable failures at the loop's start.
  {
    id: 'path-dataset-missing',
    answer: () => prepareError((c) => (c.dataset.path = path.join(root, 'nowhere'))),
    expected: /^DatasetNotFound \(non-retryable\): dataset\.path: \/.*\/nowhere is not a folder$/,
  },
  {
    id: 'path-validation-missing',
    answer: () => prepareError((c) => (c.dataset.validation = { path: path.join(root, 'no-val') })),
    expected: /^DatasetNotFound \(non-retryable\): dataset\.validation\.path: \/.*\/no-val is not a folder$/,
  },
  {
    id: 'config-target-map-without-validation',
    answer: () =>
      prepareError((c) => {
        c.dataset.validation = {};
        c.stop = { targetMap50: 0.5 };
      }),
    expected:
      /^InvalidConfig \(non-retryable\): stop\.targetMap50 needs a validation set, and \/.*\/good gives none \(no dataset\.validation\.fraction or path\): set dataset\.validation\.path to a labelled folder, or dataset\.validation\.annotate to have people label that many images first$/,
  },
  {
    id: 'dataset-empty-folder',
    answer: () => prepareError((c) => (c.dataset.path = fs.mkdtempSync(path.join(root, 'empty-')))),
    expected:
      /^InvalidInput \(non-retryable\): dataset\.path \/.*: no usable images \(1 problem\(s\): .*: no images \(\.png, \.jpg, \.jpeg\) found\)$/,
  },
  // Datasets: collected by ingest (core/dataset/ingest.ts) into the manifest's problems; the image is left out.
  {
    id: 'dataset-corrupt-image',
    answer: () => {
      const dir = minneApple('corrupt', ['a']);
      fs.writeFileSync(path.join(dir, 'images', 'b.png'), 'not a png');
      writeGreyPng(path.join(dir, 'masks', 'b.png'), 32, 24, () => 1);
      return ingestProblems(dir);
    },
    expected: /images\/b\.png: unreadable image: not a PNG or JPEG file$/,
  },
  {
    id: 'dataset-mask-without-instances',
    answer: () => {
      const dir = minneApple('blank-mask', ['a']);
      writeGreyPng(path.join(dir, 'masks', 'a.png'), 32, 24, () => 0);
      return ingestProblems(dir);
    },
    expected: /masks\/a\.png: mask has no instances \(all pixels 0\)$/,
  },
  {
    id: 'dataset-mask-size-mismatch',
    answer: () => {
      const dir = minneApple('mask-size', ['a']);
      writeGreyPng(path.join(dir, 'masks', 'a.png'), 16, 16, () => 1);
      return ingestProblems(dir);
    },
    expected: /masks\/a\.png: mask is 16x16 but its image is 32x24$/,
  },
  {
    id: 'dataset-mismatched-names',
    answer: () => {
      const dir = minneApple('names', ['a']);
      fs.renameSync(path.join(dir, 'masks', 'a.png'), path.join(dir, 'masks', 'a_mask.png'));
      return ingestProblems(dir);
    },
    expected: /masks\/a_mask\.png: no image named a_mask in .*; .*images\/a\.png: no mask for this image$/,
  },
  {
    id: 'dataset-duplicate-image-name',
    answer: () => {
      const dir = minneApple('dupes', ['a']);
      fs.copyFileSync(path.join(dir, 'images', 'a.png'), path.join(dir, 'images', 'a.jpg'));
      return ingestProblems(dir);
    },
    expected: /images\/a\.png: same name as a\.jpg: labels could not tell them apart$/,
  },
  {
    id: 'dataset-voc-malformed-xml',
    answer: () => ingestProblems(vocFolder('voc-malformed', [vocObject('apple', '4').replace('</object>', '')])),
    expected:
      /annotations\/a\.xml:3: malformed XML: Expected closing tag 'object' \(opened in line 2, col 1\) instead of closing tag 'annotation'\. \(column 1\)$/,
  },
  {
    id: 'dataset-voc-bad-box',
    answer: () => ingestProblems(vocFolder('voc-box', [vocObject('apple', 'ten')])),
    expected: /annotations\/a\.xml:2: <object> 1 \(apple\): <xmin> is not a number: "ten" in <bndbox>$/,
  },
  {
    id: 'dataset-voc-unknown-class',
    answer: () => prepareProblems(vocFolder('voc-class', [vocObject('Apple', '4'), vocObject('pear', '4')])),
    expected: /^\/.*\/annotations\/a\.xml:3: unknown class "pear" \(annotation\.classes: apple\)$/,
  },
  // Labels: validateAnnotations (core/dataset/validate-annotations.ts) with core/formats/kitti.ts, run by
  // importAnnotations; every problem has file:line, nothing is imported, the loop keeps waiting.
  {
    id: 'labels-wrong-field-count',
    answer: () => labelErrors('fields', { 'a.txt': 'apple 0 0 0 4 4 10 9\n' }),
    expected: /^a\.txt:1: expected 15 fields \(16 with a score\), found 8$/,
  },
  {
    id: 'labels-not-a-number',
    answer: () => labelErrors('nan', { 'a.txt': 'apple 0 0 0 oops 4 10 9 0 0 0 0 0 0 0\n' }),
    expected: /^a\.txt:1: field 5 is not a number: "oops"$/,
  },
  {
    id: 'labels-not-finite',
    answer: () => labelErrors('inf', { 'a.txt': 'apple 0 0 0 4 4 1e999 9 0 0 0 0 0 0 0\n' }),
    expected: /^a\.txt:1: field 7 is not finite: "1e999"$/,
  },
  {
    id: 'labels-empty-box',
    answer: () => labelErrors('empty', { 'a.txt': 'apple 0 0 0 10 4 4 9 0 0 0 0 0 0 0\n' }),
    expected: /^a\.txt:1: empty box: x1=10 y1=4 x2=4 y2=9 \(needs x1 < x2 and y1 < y2\)$/,
  },
  {
    id: 'labels-box-outside-image',
    answer: () => labelErrors('outside', { 'b.txt': 'apple 0 0 0 20 10 40 20 0 0 0 0 0 0 0\n' }),
    expected: /^b\.txt:1: box 20,10,40,20 lies outside the 32x24 image$/,
  },
  {
    id: 'labels-unknown-image',
    answer: () => labelErrors('extra', { 'c.txt': '' }),
    expected: /^c\.txt: unknown image: c is not in this batch$/,
  },
  {
    id: 'labels-missing-file',
    answer: () => labelErrors('missing', { 'b.txt': null }),
    expected: /^b\.txt: missing label file for batch image b \(an image without objects needs an empty file\)$/,
  },
  {
    id: 'labels-unknown-class',
    answer: () => labelErrors('class', { 'a.txt': 'pear 0 0 0 4 4 10 9 0 0 0 0 0 0 0\n' }, ['apple']),
    expected: /^a\.txt:1: unknown class "pear" \(expected apple\)$/,
  },
  {
    id: 'labels-folder-missing',
    answer: async () =>
      (await validateAnnotations(path.join(root, 'no-labels'), batch)).problems.map(formatProblem).join('; '),
    expected: /no-labels: cannot read the labels folder: ENOENT/,
  },
];

test('the table has at least 30 distinct cases', () => {
  expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  expect(cases.length).toBeGreaterThanOrEqual(30);
});

beforeAll(() => {
  minneApple('good', ['a', 'b', 'c', 'd', 'e', 'f']);
});

test.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
  expect(await c.answer()).toMatch(c.expected);
});

test('docs/reliability.md has a row for every case', () => {
  const rows = docRowIds();
  expect(cases.map((c) => c.id).filter((id) => !rows.has(id))).toEqual([]);
});
