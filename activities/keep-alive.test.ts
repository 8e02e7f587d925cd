// withKeepAlive in the SDK's activity test environment (a real activity Context, no server): heartbeats
// while the work runs when the activity has a heartbeat timeout, none without one.
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepAliveInterceptor, withKeepAlive } from './keep-alive';

const work = (ms: number) =>
  withKeepAlive(() => new Promise<string>((resolve) => setTimeout(() => resolve('done'), ms)));

test('heartbeats at a third of a short heartbeat timeout while the work runs, then stops', async () => {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
  const beats: number[] = [];
  env.on('heartbeat', () => beats.push(Date.now()));
  const start = Date.now();
  await expect(env.run(work, 1000)).resolves.toBe('done');
  const during = beats.length;
  // one at the start, then every 100 ms for a second (timers may run late on a loaded machine)
  expect(during).toBeGreaterThanOrEqual(4);
  expect(beats[0] - start).toBeLessThan(50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(beats.length).toBe(during);
});

test('no heartbeat timeout: no heartbeats; outside an activity: just runs', async () => {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
  let beats = 0;
  env.on('heartbeat', () => beats++);
  await expect(env.run(work, 300)).resolves.toBe('done');
  expect(beats).toBe(0);
  await expect(work(10)).resolves.toBe('done');
});

test('the worker interceptor runs each activity under the keep-alive', async () => {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
  let beats = 0;
  env.on('heartbeat', () => beats++);
  const activity = () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 500));
  const viaInterceptor = () =>
    keepAliveInterceptor(Context.current()).inbound!.execute!({ args: [], headers: {} }, () => activity());
  await expect(env.run(viaInterceptor)).resolves.toBe('done');
  expect(beats).toBeGreaterThanOrEqual(2);
});
