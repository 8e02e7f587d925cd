// One Ctrl-C stops `pomona demo` cleanly: the terminal sends SIGINT to the whole foreground process group
// (the demo and its trainer child), as this test does; the demo must exit promptly, leaving no trainer.
import execa from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { waitForNoProcess } from '../helpers/process-table';
import { TemporalServerProcess } from '../helpers/temporal-server-process';

jest.setTimeout(600_000);

let server: TemporalServerProcess;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-demo-int-'));
  server = await TemporalServerProcess.start(path.join(dir, 'server'));
});

afterAll(async () => {
  await server?.stop();
});

test('a single SIGINT to the demo process group during training stops it, its workers and its trainer', async () => {
  const demoDir = path.join(dir, 'demo');
  const demo = execa(
    process.execPath,
    [path.join(repositoryRoot(), 'bin', 'pomona.js'), 'demo', '--dir', demoDir, '--images', '40', '--epochs', '200'],
    {
      env: { TEMPORAL_ADDRESS: server.address },
      detached: true, // its own process group, like a shell job: SIGINT goes to the group, as Ctrl-C does
      reject: false,
      all: true,
    },
  );
  let output = '';
  demo.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 300_000;
  while (!/round 1: training/.test(output)) {
    if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`the demo never started training:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 2_000));

  const interruptedAt = Date.now();
  process.kill(-demo.pid!, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([demo, new Promise<null>((r) => (timer = setTimeout(() => r(null), 60_000)))]);
  clearTimeout(timer);
  if (!exited) {
    process.kill(-demo.pid!, 'SIGKILL');
    throw new Error(`the demo still ran 60 s after one SIGINT:\n${output}`);
  }
  const seconds = (Date.now() - interruptedAt) / 1000;
  console.log(
    `demo: exited ${seconds.toFixed(1)} s after one SIGINT, exit code ${exited.exitCode} signal ${exited.signal}; last lines:\n${output.trim().split('\n').slice(-12).join('\n')}`,
  );
  expect(exited.exitCode).toBe(130);
  expect(output).toMatch(/interrupted/);
  expect(await waitForNoProcess(path.join(demoDir, 'workspace'), 10_000)).toEqual([]);
});
