// A Temporal dev server the test owns as a process (the pinned `temporal` binary from .tools/), so it can be
// SIGKILLed and restarted on the same SQLite file and port. @temporalio/testing's environment hides its
// process, hence this helper; the flags are those of infra/temporal-dev-server.sh.
import { Client, Connection } from '@temporalio/client';
import execa from 'execa';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { pomonaSearchAttributes } from '../../workflows/search-attributes';
import { temporalCli } from './dev-server';

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class TemporalServerProcess {
  private child: execa.ExecaChildProcess | null = null;

  private constructor(
    readonly dbFile: string,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a server with its SQLite file and log in `stateDir`, and waits until it answers. */
  static async start(stateDir: string): Promise<TemporalServerProcess> {
    fs.mkdirSync(stateDir, { recursive: true });
    const server = new TemporalServerProcess(
      path.join(stateDir, 'temporal.db'),
      await freePort(),
      path.join(stateDir, 'temporal.log'),
    );
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const log = fs.openSync(this.logFile, 'a');
    this.child = execa(
      temporalCli,
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--db-filename',
        this.dbFile,
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecution=true',
        ...Object.entries(pomonaSearchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
        '--log-level',
        'warn',
      ],
      { stdin: 'ignore', stdout: log, stderr: log, reject: false, cleanup: true },
    );
    fs.closeSync(log);
    await this.waitHealthy();
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`temporal dev server exited; log: ${this.logTail()}`);
      const health = await execa(temporalCli, ['operator', 'cluster', 'health', '--address', this.address], {
        reject: false,
      });
      if (health.exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`temporal dev server not healthy after 90 s; log: ${this.logTail()}`);
  }

  private logTail(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').slice(-2000) : '(no log)';
  }

  /** SIGKILL: no shutdown of any kind, as if the machine lost power (SQLite keeps what it committed). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await child;
    this.child = null;
  }

  /** Starts it again on the same SQLite file and port. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('the server is still running: kill it first');
    await this.launch();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM', { forceKillAfterTimeout: 5_000 });
    await child;
    this.child = null;
  }

  /** A client of this server; it reconnects by itself after a restart. */
  async client(): Promise<Client> {
    const connection = await Connection.connect({ address: this.address });
    return new Client({ connection });
  }

  /** Runs the real `temporal` CLI against this server; returns stdout. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await execa(temporalCli, [...args, '--address', this.address]);
    return stdout;
  }
}
