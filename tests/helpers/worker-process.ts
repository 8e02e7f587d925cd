// A pomona worker as a child process (`node bin/pomona.js worker`, the compiled CLI: run `npm run build`
// first), so a test can SIGKILL it like a crashed host. Its stdout and stderr go to a log file the test reads.
import execa from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';

export interface WorkerProcessOptions {
  address: string;
  queues: ('cpu' | 'gpu')[];
  /** Where stdout and stderr go (appended). */
  logFile: string;
  /** Extra environment (on top of this process's). */
  env?: Record<string, string>;
  gpuConcurrency?: number;
}

export class WorkerProcess {
  private constructor(
    private readonly child: execa.ExecaChildProcess,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts the worker and waits for its "polling" line (it is connected and its workers run). */
  static async start(opts: WorkerProcessOptions): Promise<WorkerProcess> {
    const bin = path.join(repositoryRoot(), 'bin', 'pomona.js');
    if (!fs.existsSync(path.join(repositoryRoot(), 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npm run build` first');
    const log = fs.openSync(opts.logFile, 'a');
    const args = [bin, 'worker', '--queues', opts.queues.join(','), '--log-level', 'INFO'];
    if (opts.gpuConcurrency) args.push('--gpu-concurrency', String(opts.gpuConcurrency));
    const child = execa(process.execPath, args, {
      cwd: repositoryRoot(),
      env: { ...opts.env, TEMPORAL_ADDRESS: opts.address },
      stdin: 'ignore',
      stdout: log,
      stderr: log,
      reject: false,
      cleanup: true,
    });
    fs.closeSync(log);
    const worker = new WorkerProcess(child, opts.logFile);
    await worker.waitForLog(/pomona worker: polling/, 60_000);
    return worker;
  }

  log(): string {
    return fs.readFileSync(this.logFile, 'utf8');
  }

  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.log())) return;
      if (this.child.exitCode !== null)
        throw new Error(`worker exited (${this.child.exitCode}) before ${pattern}: ${this.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`worker log never matched ${pattern}: ${this.log().slice(-2000)}`);
  }

  /** SIGKILL: the worker gets no chance to report, cancel or clean up. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.child;
  }

  /** SIGTERM, the graceful shutdown `pomona worker` does on Ctrl-C or a stop of its service. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM', { forceKillAfterTimeout: 30_000 });
    await this.child;
  }
}
