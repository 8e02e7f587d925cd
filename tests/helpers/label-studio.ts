// A real Label Studio server per test suite, started by pomona's own `label-studio start` code on a free port.
// A fresh database takes about 30 s to start, an existing one about 4 s: the first suite of a checkout
// starts one and keeps its stopped state folder (database and credentials) as a template under .pomona/,
// later suites start from a copy of it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLabelStudio, stopLabelStudio, type RunningLabelStudio } from '../../cli/label-studio/label-studio-server';
import { repositoryRoot } from '../../core/io/repository-root';
import { freePort } from './temporal-server-process';

const template = path.join(repositoryRoot(), '.pomona', 'test-label-studio-template');

export interface TestLabelStudio {
  server: RunningLabelStudio;
  stateDir: string;
  /** Stops the server and removes its state folder. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same database and port (a Label Studio restart mid-round). */
  restart(): Promise<void>;
}

export async function startTestLabelStudio(filesRoot = os.tmpdir()): Promise<TestLabelStudio> {
  if (!fs.existsSync(path.join(template, 'api-token'))) {
    const fresh = `${template}.partial`;
    fs.rmSync(fresh, { recursive: true, force: true });
    await startLabelStudio({ stateDir: fresh, port: await freePort(), filesRoot });
    await stopLabelStudio({ stateDir: fresh });
    fs.rmSync(template, { recursive: true, force: true });
    fs.renameSync(fresh, template);
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-label-studio-'));
  fs.cpSync(template, stateDir, { recursive: true });
  const port = await freePort();
  const options = { stateDir, port, filesRoot };
  const handle: TestLabelStudio = {
    server: await startLabelStudio(options),
    stateDir,
    async stop() {
      await stopLabelStudio({ stateDir });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
    async restart() {
      await stopLabelStudio({ stateDir });
      handle.server = await startLabelStudio(options);
    },
  };
  return handle;
}
