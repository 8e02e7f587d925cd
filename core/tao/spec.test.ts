// Spec generation per dialect against golden files (tests/tao/golden/, reviewed by eye against the
// reference's spec; `UPDATE_GOLDEN=1 npx jest core/tao/spec` rewrites them), and TAO's checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../io/repository-root';
import { tutorialAnchors, type TaoDialect } from './settings';
import { checkTaoSpec, renderTaoSpec, TaoSpecError, type TaoSpecInput } from './spec';

const golden = (name: string) => path.join(repositoryRoot(), 'tests', 'tao', 'golden', `${name}.spec`);
const root = '/workspace/pomona/project/rounds';

function input(dialect: TaoDialect, round: number, start: TaoSpecInput['start']): TaoSpecInput {
  return {
    dialect,
    seed: 42 + round,
    arch: 'resnet',
    nlayers: 18,
    anchors: tutorialAnchors(),
    boxMatchingIou: 0.25,
    matchingNeutralBoxIou: 0.5,
    batchSize: 8,
    epochs: 50,
    checkpointInterval: 10,
    start,
    outputWidth: 1280,
    outputHeight: 704,
    trainImages: `${root}/${round}/tao-data/train/images`,
    trainLabels: `${root}/${round}/tao-data/train/labels`,
    validationImages: `${root}/${round}/tao-data/validation/images`,
    validationLabels: `${root}/${round}/tao-data/validation/labels`,
    classMapping: [['apple', 'apple']],
    imageExtension: 'png',
  };
}

const ext = (d: TaoDialect) => (d === 'tao5' ? 'hdf5' : 'tlt');
const cases = (['tlt3', 'tao4', 'tao5'] as const).flatMap(
  (d) =>
    [
      [`${d}-round1`, input(d, 1, { kind: 'pretrain', path: '/workspace/pomona/pretrained/resnet_18.hdf5' })],
      [
        `${d}-round1-resume`,
        input(d, 1, { kind: 'resume', path: `${root}/1/train/weights/yolov4_resnet18_epoch_020.${ext(d)}` }),
      ],
      [
        `${d}-round2`,
        input(d, 2, { kind: 'pretrain', path: `${root}/1/train/weights/yolov4_resnet18_epoch_050.${ext(d)}` }),
      ],
    ] as const,
);

test.each(cases)('%s matches its golden file', (name, spec) => {
  const text = renderTaoSpec(spec);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden(name), text);
  expect(text).toBe(fs.readFileSync(golden(name), 'utf8'));
});

test('dialects differ where TAO does: matching_neutral_box_iou and image_extension are absent in TLT 3.0', () => {
  const tlt3 = renderTaoSpec(input('tlt3', 1, { kind: 'pretrain', path: '/p/m.hdf5' }));
  const tao5 = renderTaoSpec(input('tao5', 1, { kind: 'pretrain', path: '/p/m.hdf5' }));
  expect(tlt3).not.toMatch(/matching_neutral_box_iou|image_extension/);
  expect(tao5).toContain('matching_neutral_box_iou: 0.5');
  expect(tao5).toContain('image_extension: "png"');
  // Exactly one start field, and the repeated mapping renders once per entry.
  expect(tao5.match(/_model_path:/g)).toHaveLength(1);
  const two = renderTaoSpec({
    ...input('tao5', 1, { kind: 'pretrain', path: '/p/m.hdf5' }),
    classMapping: [
      ['apple', 'fruit'],
      ['pear', 'fruit'],
    ],
  });
  expect(two.match(/target_class_mapping \{/g)).toHaveLength(2);
});

test("TAO's checks reject bad values before launch, each with its field", () => {
  const base = input('tao5', 1, { kind: 'pretrain', path: '/p/m.hdf5' });
  expect(checkTaoSpec(base)).toEqual([]);
  const problems = checkTaoSpec({
    ...base,
    outputWidth: 1000,
    outputHeight: 16,
    batchSize: 0,
    epochs: 2.5,
    matchingNeutralBoxIou: 0.25,
    classMapping: [['Apple', 'apple']],
    trainImages: '/with space/images',
    validationLabels: 'relative/labels',
  });
  expect(problems.join('\n')).toMatch(/output_width = 1000: must be >= 32 and a multiple of 32/);
  expect(problems.join('\n')).toMatch(/output_height = 16/);
  expect(problems.join('\n')).toMatch(/batch_size_per_gpu = 0/);
  expect(problems.join('\n')).toMatch(/num_epochs = 2.5/);
  expect(problems.join('\n')).toMatch(/matching_neutral_box_iou = 0.25: TAO 5 needs 0.25 < v <= 1/);
  expect(problems.join('\n')).toMatch(/key "Apple": TAO lowercases/);
  expect(problems.join('\n')).toMatch(/image_directory_path "\/with space\/images"/);
  expect(problems.join('\n')).toMatch(/label_directory_path "relative\/labels"/);
  // TLT 3.0 has no matching_neutral_box_iou, so its value is not judged there.
  expect(checkTaoSpec({ ...base, dialect: 'tlt3', matchingNeutralBoxIou: 0.1 })).toEqual([]);
  expect(() => renderTaoSpec({ ...base, outputWidth: 1000 })).toThrow(TaoSpecError);
});

test('a resume checkpoint must keep the file name TAO parses its epoch from', () => {
  const renamed = input('tlt3', 1, {
    kind: 'resume',
    path: '/workspace/pomona/project/rounds/1/train/weights/last.tlt',
  });
  expect(checkTaoSpec(renamed).join()).toContain('_epoch_NNN.tlt|hdf5');
  expect(checkTaoSpec({ ...renamed, start: { kind: 'resume', path: '/w/yolov4_resnet18_epoch_007.tlt' } })).toEqual([]);
});
