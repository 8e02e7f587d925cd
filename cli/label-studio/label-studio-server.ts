// A local Label Studio server for pomona's loops (shared/reference/label-studio.md): the pinned PyPI
// package that setup installs into .tools/label-studio, on 127.0.0.1, its SQLite database, log, pid file and
// credentials in one state folder. A user and an API token are created at its first start, without
// prompts; the token is kept in a file only the owner can read and reaches workers through their
// environment (LABEL_STUDIO_API_KEY), never through a loop's inputs.
import axios from 'axios';
import execa from 'execa';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';

export const DEFAULT_LABEL_STUDIO_PORT = 8080;
/** The login of the user pomona creates (Label Studio wants an e-mail address). */
export const LABEL_STUDIO_USER = 'pomona@localhost.localdomain';
/** A fresh database takes about 30 s to answer, an existing one about 4 s (measured); a loaded machine more. */
const START_TIMEOUT_MS = 180_000;

export interface LabelStudioServerOptions {
  /** Where the database, log and credentials live (default: <repo>/.pomona/label-studio). */
  stateDir?: string;
  port?: number;
  /** Images under this folder can be served to Label Studio (its local-files document root). */
  filesRoot?: string;
}

export interface RunningLabelStudio {
  url: string;
  pid: number;
  /** The API token (`Authorization: Token ...`); set it as LABEL_STUDIO_API_KEY in workers' environment. */
  token: string;
  user: string;
  passwordFile: string;
  tokenFile: string;
  logFile: string;
  filesRoot: string;
}

export function labelStudioExecutable(): string {
  return path.join(repositoryRoot(), '.tools', 'label-studio', 'bin', 'label-studio');
}

export function defaultLabelStudioStateDir(): string {
  return path.join(process.env.POMONA_STATE_DIR ?? path.join(repositoryRoot(), '.pomona'), 'label-studio');
}

function files(stateDir: string) {
  return {
    data: path.join(stateDir, 'data'),
    log: path.join(stateDir, 'label-studio.log'),
    pid: path.join(stateDir, 'label-studio.pid'),
    server: path.join(stateDir, 'server.json'),
    token: path.join(stateDir, 'api-token'),
    password: path.join(stateDir, 'password'),
  };
}

/** A secret kept in `file` (created once, owner-only), so the database and its credentials stay together. */
function secret(file: string, bytes: number): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const value = crypto.randomBytes(bytes).toString('hex');
  fs.writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

async function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The server this state folder started, if it still runs and answers with its token. */
export async function runningLabelStudio(options: LabelStudioServerOptions = {}): Promise<RunningLabelStudio | null> {
  const f = files(options.stateDir ?? defaultLabelStudioStateDir());
  if (!fs.existsSync(f.server)) return null;
  const server = JSON.parse(fs.readFileSync(f.server, 'utf8')) as RunningLabelStudio;
  if (!alive(server.pid)) return null;
  const answers = await axios
    .get(`${server.url}/api/current-user/whoami`, {
      headers: { Authorization: `Token ${server.token}` },
      timeout: 5000,
    })
    .then(() => true)
    .catch(() => false);
  return answers ? server : null;
}

/** Starts Label Studio unless this state folder's server already runs; resolves once it answers with the token. */
export async function startLabelStudio(options: LabelStudioServerOptions = {}): Promise<RunningLabelStudio> {
  const stateDir = path.resolve(options.stateDir ?? defaultLabelStudioStateDir());
  const running = await runningLabelStudio({ stateDir });
  if (running) return running;
  const executable = labelStudioExecutable();
  if (!fs.existsSync(executable))
    throw new Error(`Label Studio is not installed at ${executable}: run npm install (setup installs it)`);
  const port = options.port ?? DEFAULT_LABEL_STUDIO_PORT;
  // Label Studio would silently take the next free port; refuse instead, so the URL in configs stays true.
  if (await portTaken(port)) throw new Error(`port ${port} on 127.0.0.1 is in use: choose another with --port`);
  const f = files(stateDir);
  fs.mkdirSync(f.data, { recursive: true, mode: 0o700 });
  const token = secret(f.token, 20);
  const password = secret(f.password, 12);
  const filesRoot = path.resolve(options.filesRoot ?? '/');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LABEL_STUDIO_BASE_DATA_DIR: f.data,
    LABEL_STUDIO_USERNAME: LABEL_STUDIO_USER,
    LABEL_STUDIO_PASSWORD: password,
    // Applied only when the user is first created: hence the token file beside the database.
    LABEL_STUDIO_USER_TOKEN: token,
    LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN: 'true',
    LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED: 'true',
    LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT: filesRoot,
    // Webhooks to pomona's receiver on 127.0.0.1 are refused otherwise.
    SSRF_PROTECTION_ENABLED: 'false',
    LATEST_VERSION_CHECK: 'false',
    COLLECT_ANALYTICS: 'false',
    SENTRY_DSN: '',
    FRONTEND_SENTRY_DSN: '',
  };
  // Label Studio also reads these unprefixed names; a user's own would override pomona's.
  for (const name of ['USERNAME', 'PASSWORD', 'PORT', 'HOST']) delete env[name];
  const log = fs.openSync(f.log, 'a');
  const child = execa(
    executable,
    ['start', '--no-browser', '--internal-host', '127.0.0.1', '-p', String(port), '--data-dir', f.data],
    { env, extendEnv: false, detached: true, stdio: ['ignore', log, log], cleanup: false },
  );
  child.catch(() => undefined);
  child.unref();
  fs.closeSync(log);
  const server: RunningLabelStudio = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    token,
    user: LABEL_STUDIO_USER,
    passwordFile: f.password,
    tokenFile: f.token,
    logFile: f.log,
    filesRoot,
  };
  fs.writeFileSync(f.pid, `${server.pid}\n`);
  fs.writeFileSync(f.server, JSON.stringify(server, null, 2) + '\n', { mode: 0o600 });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive(server.pid)) throw new Error(`Label Studio exited while starting; its log: ${f.log}`);
    if (await runningLabelStudio({ stateDir })) return server;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await stopLabelStudio({ stateDir });
  throw new Error(`Label Studio did not answer within ${START_TIMEOUT_MS / 1000} s; its log: ${f.log}`);
}

/** Stops the server this state folder started (SIGTERM, then SIGKILL after 10 s); false if none ran. */
export async function stopLabelStudio(options: LabelStudioServerOptions = {}): Promise<boolean> {
  const f = files(options.stateDir ?? defaultLabelStudioStateDir());
  if (!fs.existsSync(f.server)) return false;
  const { pid } = JSON.parse(fs.readFileSync(f.server, 'utf8')) as RunningLabelStudio;
  fs.rmSync(f.server, { force: true });
  fs.rmSync(f.pid, { force: true });
  if (!alive(pid)) return false;
  // Its own process group (detached): the server and any helper it forked.
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 250));
  if (alive(pid)) signal('SIGKILL');
  return true;
}
