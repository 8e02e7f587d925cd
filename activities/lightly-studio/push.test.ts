// Without LightlyStudio on the worker, a loop with lightly.enabled is refused when its config is parsed, and
// a push fails at once: non-retryable, naming the setup command. (The working push: tests/lightly.)
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { parseConfig } from '../parse-config';
import { pushToLightlyStudio } from './push';

jest.mock('./lightly-studio-env', () => ({
  lightlyStudioMissing: () =>
    'LightlyStudio 1.2.0 is not installed in /repo/.tools/lightly-studio: run npx pomona lightly setup',
}));

const config = {
  project: 'orchard',
  workspace: '/ws',
  dataset: { path: '/data' },
  selection: { initial: { size: { nTotal: 4 } }, rounds: { size: { batchSize: 2 } } },
};
const refusal = {
  type: 'LightlyStudioNotInstalled',
  nonRetryable: true,
  message:
    'lightly.enabled: LightlyStudio 1.2.0 is not installed in /repo/.tools/lightly-studio: run npx pomona lightly setup on this worker, or set lightly.enabled to false',
};

test('parseConfig refuses lightly.enabled without LightlyStudio, and accepts the same config without it', async () => {
  await expect(parseConfig({ ...config, lightly: { enabled: true } })).rejects.toMatchObject(refusal);
  expect((await parseConfig(config)).lightly).toEqual({ enabled: false });
});

test('pushToLightlyStudio fails at once, non-retryable', async () => {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  await expect(env.run(pushToLightlyStudio, { projectDir: '/ws/orchard', round: 1 })).rejects.toMatchObject(refusal);
});
