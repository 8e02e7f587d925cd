// `pomona tao spec` before a loop has run: what it needs from the config, and the errors it gives.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempWorkspace } from '../../tests/helpers/orchard';
import { CliError } from '../cli-error';
import { specForRound } from './tao';

function configFile(trainer: object): string {
  const dir = tempWorkspace();
  const file = path.join(dir, 'loop.json');
  const config = {
    project: 'p',
    workspace: path.join(dir, 'ws'),
    dataset: { path: path.join(dir, 'data') },
    selection: { initial: { size: { nTotal: 4 } }, rounds: { size: { batchSize: 4 } } },
    trainer,
  };
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

// The command notes on stderr when labels are missing; keep test output clean.
beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

const tao = { dialect: 'tao5', pretrainedModel: '/models/resnet_18.hdf5', classMapping: { apple: 'apple' } };

test('round 1 before any labels: classes from classMapping, the pretrained model as start', async () => {
  const spec = await specForRound({ config: configFile({ backend: 'tao', tao }), round: 1 });
  expect(spec).toContain('pretrain_model_path: "/workspace/pomona/pretrained/resnet_18.hdf5"');
  expect(spec).toContain('matching_neutral_box_iou: 0.5');
  expect(spec).toContain('label_directory_path: "/workspace/pomona/project/rounds/1/tao-data/train/labels"');
});

test('a resume prints resume_model_path; a renamed checkpoint and a torch config are refused', async () => {
  const file = configFile({ backend: 'tao', tao });
  const ws = JSON.parse(fs.readFileSync(file, 'utf8')).workspace as string;
  const checkpoint = path.join(ws, 'p', 'rounds', '1', 'train', 'weights', 'yolov4_resnet18_epoch_010.hdf5');
  expect(await specForRound({ config: file, round: 1, resume: checkpoint })).toContain(
    'resume_model_path: "/workspace/pomona/project/rounds/1/train/weights/yolov4_resnet18_epoch_010.hdf5"',
  );
  await expect(
    specForRound({ config: file, round: 1, resume: path.join(path.dirname(checkpoint), 'best.hdf5') }),
  ).rejects.toThrow(/_epoch_NNN/);
  await expect(specForRound({ config: file, round: 2 })).rejects.toThrow(/round 1 has no checkpoint/);
  await expect(specForRound({ config: configFile({}), round: 1 })).rejects.toThrow(CliError);
  await expect(
    specForRound({ config: configFile({ backend: 'tao', tao: { ...tao, classMapping: undefined } }), round: 1 }),
  ).rejects.toThrow(/classMapping/);
});
