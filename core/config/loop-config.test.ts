import { z } from 'zod';
import { batchSizeFor, loopConfigSchema, parseLoopConfig } from './loop-config';

const minimal = {
  project: 'orchard',
  workspace: '/tmp/ws',
  dataset: { path: '/data/orchard' },
  selection: { initial: { size: { nTotal: 100 } }, rounds: { size: { batchSize: 50 } } },
};

const taoSettings = { dialect: 'tao5', pretrainedModel: '/models/resnet_18.hdf5' };

test('a minimal config gets documented defaults', () => {
  const result = parseLoopConfig(minimal);
  if (!result.ok) throw new Error(result.problems.join('; '));
  expect(result.config.selection.initial.method).toBe('CORESET');
  // Chosen on the label-efficiency benchmark (docs/selection.md).
  expect(result.config.selection.rounds).toMatchObject({ method: 'UNCERTAINTY', score: 'uncertainty_entropy_mean' });
  expect(result.config.dataset.validation).toEqual({ fraction: 0.2 });
  expect(result.config.trainer).toMatchObject({
    backend: 'torch',
    epochs: 5,
    device: 'auto',
    maxAttempts: 5,
    maxEmbedInferAttempts: 5,
  });
  expect(result.config.stop.maxRounds).toBe(5);
  expect(result.config.timeouts.heartbeat).toBe('2m');
  expect(result.config.annotation.classes).toEqual(['apple']);
  expect(result.config.embedding).toEqual({ method: 'backbone', epochs: 5, dim: 32 });
  expect(result.config.trainer.backbone).toBe('efficientnet-lite0');
});

test('a partial embedding or trainer section still gets the method and backbone defaults', () => {
  const result = parseLoopConfig({ ...minimal, embedding: { dim: 16 }, trainer: { epochs: 3 } });
  if (!result.ok) throw new Error(result.problems.join('; '));
  expect(result.config.embedding.method).toBe('backbone');
  expect(result.config.trainer.backbone).toBe('efficientnet-lite0');
});

test('the other embedding methods and the scratch backbone are accepted', () => {
  const result = parseLoopConfig({ ...minimal, embedding: { method: 'ssl' }, trainer: { backbone: 'scratch' } });
  if (!result.ok) throw new Error(result.problems.join('; '));
  expect(result.config.embedding.method).toBe('ssl');
  expect(result.config.trainer.backbone).toBe('scratch');
});

test.each([
  [{ ...minimal, project: 'Orchard!' }, 'project:'],
  [{ ...minimal, workspace: 'relative/ws' }, 'workspace: an absolute path'],
  [{ ...minimal, dataset: {} }, 'dataset.path:'],
  [
    { ...minimal, selection: { initial: { size: { nTotal: 0 } }, rounds: { size: { batchSize: 5 } } } },
    'selection.initial.size',
  ],
  [
    {
      ...minimal,
      selection: { initial: { method: 'CORAL', size: { nTotal: 5 } }, rounds: { size: { batchSize: 5 } } },
    },
    'selection.initial.method',
  ],
  [{ ...minimal, trainer: { device: 'tpu' } }, 'trainer.device'],
  [{ ...minimal, timeouts: { heartbeat: 'soon' } }, 'timeouts.heartbeat'],
  [{ ...minimal, trainer: { maxEmbedInferAttempts: 0 } }, 'trainer.maxEmbedInferAttempts'],
  [{ ...minimal, embedding: { method: 'pixels' } }, 'embedding.method'],
  [{ ...minimal, trainer: { backbone: 'resnet18' } }, 'trainer.backbone'],
  [
    { ...minimal, trainer: { backend: 'tao', backbone: 'scratch', tao: taoSettings } },
    'trainer.backbone: applies to the torch backend only',
  ],
  [{ ...minimal, trainer: { scale: 0 } }, 'trainer.scale'],
  [
    { ...minimal, trainer: { backend: 'tao', scale: 0.5, tao: taoSettings } },
    'trainer.scale: applies to the torch backend only',
  ],
  [
    { ...minimal, trainer: { backend: 'tao', tta: true, tao: taoSettings } },
    'trainer.tta: applies to the torch backend only',
  ],
  [
    { ...minimal, trainer: { backend: 'tao', inferScales: [0.5, 1], tao: taoSettings } },
    'trainer.inferScales: applies to the torch backend only',
  ],
  [{ ...minimal, trainer: { inferScales: [1, 1] } }, 'trainer.inferScales: each factor once'],
  [{ ...minimal, trainer: { inferScales: [0, 1] } }, 'trainer.inferScales.0'],
  [{ ...minimal, surprise: true }, 'surprise'],
])('a bad config names the field (%#)', (input, field) => {
  const result = parseLoopConfig(input);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems.join('\n')).toContain(field);
});

test('the tao backend accepts the default backbone, which it ignores', () => {
  const result = parseLoopConfig({ ...minimal, trainer: { backend: 'tao', tao: taoSettings } });
  expect(result.ok).toBe(true);
});

test('sizes: batchSize adds, nTotal tops up to the total', () => {
  expect(batchSizeFor({ batchSize: 50 }, 100)).toBe(50);
  expect(batchSizeFor({ nTotal: 200 }, 100)).toBe(100);
  expect(batchSizeFor({ nTotal: 80 }, 100)).toBe(0);
});

test('the JSON Schema documents the required fields', () => {
  const schema = z.toJSONSchema(loopConfigSchema, { io: 'input' }) as { required: string[] };
  expect(schema.required).toEqual(expect.arrayContaining(['project', 'workspace', 'dataset', 'selection']));
});
