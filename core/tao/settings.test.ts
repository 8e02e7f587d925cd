// trainer.backend "tao" in the loop config: the tao section is required, TAO's input-size rule is
// checked when the loop starts, defaults follow the seed's tutorial, and the documented example parses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLoopConfig } from '../config/loop-config';
import { repositoryRoot } from '../io/repository-root';

const base = {
  project: 'p',
  workspace: '/w',
  dataset: { path: '/d' },
  selection: { initial: { size: { nTotal: 10 } }, rounds: { size: { batchSize: 5 } } },
};

test('the torch backend stays the default and needs no tao section', () => {
  const parsed = parseLoopConfig(base);
  expect(parsed.ok && parsed.config.trainer.backend).toBe('torch');
  expect(parsed.ok && parsed.config.trainer.tao).toBeUndefined();
});

test('backend "tao" requires its section and input sizes TAO accepts', () => {
  expect(parseLoopConfig({ ...base, trainer: { backend: 'tao' } })).toEqual({
    ok: false,
    problems: ['trainer.tao: required when backend is "tao"'],
  });
  const tao = { dialect: 'tao5', pretrainedModel: '/models/resnet_18.hdf5' };
  const bad = parseLoopConfig({ ...base, trainer: { backend: 'tao', inputSize: '150x96', tao } });
  expect(bad).toEqual({
    ok: false,
    problems: ['trainer.inputSize: width and height must be multiples of 32, at least 64'],
  });
  const wrong = parseLoopConfig({
    ...base,
    trainer: { backend: 'tao', tao: { ...tao, dialect: 'tao3', matchingNeutralBoxIou: 0.2 } },
  });
  expect(!wrong.ok && wrong.problems.join('\n')).toMatch(
    /trainer\.tao\.dialect[\s\S]*trainer\.tao\.matchingNeutralBoxIou/,
  );
});

test('a valid tao section gets the tutorial defaults', () => {
  const parsed = parseLoopConfig({
    ...base,
    trainer: {
      backend: 'tao',
      inputSize: '1280x704',
      tao: { dialect: 'tlt3', pretrainedModel: '/models/resnet_18.hdf5' },
    },
  });
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.config.trainer.tao).toMatchObject({
    arch: 'resnet',
    nlayers: 18,
    boxMatchingIou: 0.25,
    matchingNeutralBoxIou: 0.5,
    containerRoot: '/workspace/pomona',
    anchors: {
      big: [
        [29.33, 27],
        [32.27, 35],
        [41.07, 42],
      ],
    },
  });
});

test("docs/tao.md's example config is a valid tao loop config", () => {
  const doc = fs.readFileSync(path.join(repositoryRoot(), 'docs', 'tao.md'), 'utf8');
  const example = /```json\n([\s\S]*?)```/.exec(doc);
  expect(example).not.toBeNull();
  const parsed = parseLoopConfig(JSON.parse(example![1]));
  expect(parsed.ok && parsed.config.trainer).toMatchObject({
    backend: 'tao',
    tao: { dialect: 'tlt3', anchors: 'kmeans' },
  });
});
