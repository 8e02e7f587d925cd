// LightlyStudio's GUI on a project's dataset file: its own `gui` command on 127.0.0.1 with analytics off and
// no browser, as a child of this process; resolves with its URL once it answers HTTP, and `stop` ends it
// (SIGTERM, then SIGKILL after 10 s).
import axios from 'axios';
import execa from 'execa';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { lightlyStudioGuiUrl } from '../../core/lightly-studio/gui-address';
import {
  lightlyStudioEnv,
  lightlyStudioPython,
  requireLightlyStudio,
} from '../../activities/lightly-studio/lightly-studio-env';

/** Measured about 5 s on an idle machine; a loaded one takes longer. */
const START_TIMEOUT_MS = 120_000;

export interface RunningLightlyStudioGui {
  url: string;
  pid: number;
  /** Resolves when the GUI process has ended, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

export async function startLightlyStudioGui(options: {
  dbFile: string;
  port: number;
  log?: (chunk: Buffer) => void;
}): Promise<RunningLightlyStudioGui> {
  requireLightlyStudio();
  if (!fs.existsSync(options.dbFile))
    throw new Error(`${options.dbFile}: no LightlyStudio dataset yet; run npx pomona lightly push first`);
  if (await portTaken(options.port))
    throw new Error(`port ${options.port} on 127.0.0.1 is in use: choose another with --port`);
  const child = execa(
    lightlyStudioPython(),
    ['-m', 'pomona_lightly_studio', 'gui', '--db-file', options.dbFile, '--port', String(options.port)],
    { env: lightlyStudioEnv(), reject: false, cleanup: true },
  );
  let output = '';
  const onOutput = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    options.log?.(chunk);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  let ended = false;
  const exited = child.then((r) => {
    ended = true;
    return r.exitCode ?? null;
  });
  const stop = async () => {
    if (ended) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = lightlyStudioGuiUrl(options.port);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (ended) throw new Error(`LightlyStudio's GUI exited while starting: ${output.trim().split('\n').pop() ?? ''}`);
    const answers = await axios
      .get(url, { timeout: 2000 })
      .then(() => true)
      .catch(() => false);
    if (answers) return { url, pid: child.pid!, exited, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`LightlyStudio's GUI did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s`);
}
