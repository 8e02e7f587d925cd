// The whole of pomona as separate processes, for tests that kill parts of it: a dev server the test owns
// (SQLite file in a temp folder), a `pomona-cpu` worker and a `pomona-gpu` worker, each its own
// `node bin/pomona.js worker` process. The test holds a client; it can SIGKILL and replace any process.
import type { Client } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TemporalServerProcess } from './temporal-server-process';
import { WorkerProcess } from './worker-process';

export interface ProcessRig {
  /** Temp folder holding the server's SQLite file and every process's log. */
  dir: string;
  server: TemporalServerProcess;
  client: Client;
  cpuWorker: WorkerProcess;
  gpuWorker: WorkerProcess;
  /** Starts another GPU worker (after the last one was killed); it becomes `gpuWorker`. */
  replaceGpuWorker(): Promise<WorkerProcess>;
  /** Starts one more GPU worker beside `gpuWorker` (another host on the same queue); `stop` stops it too. */
  addGpuWorker(): Promise<WorkerProcess>;
  /** Every worker log written so far, concatenated. */
  workerLogs(): string;
  stop(): Promise<void>;
}

export async function startProcessRig(opts: { env?: Record<string, string> } = {}): Promise<ProcessRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-rig-'));
  const server = await TemporalServerProcess.start(dir);
  const logs: string[] = [];
  const startWorker = (queue: 'cpu' | 'gpu') => {
    const logFile = path.join(dir, `worker-${queue}-${logs.length + 1}.log`);
    logs.push(logFile);
    return WorkerProcess.start({ address: server.address, queues: [queue], logFile, env: opts.env });
  };
  const extraWorkers: WorkerProcess[] = [];
  const rig: ProcessRig = {
    dir,
    server,
    client: await server.client(),
    cpuWorker: await startWorker('cpu'),
    gpuWorker: await startWorker('gpu'),
    async replaceGpuWorker() {
      rig.gpuWorker = await startWorker('gpu');
      return rig.gpuWorker;
    },
    async addGpuWorker() {
      const worker = await startWorker('gpu');
      extraWorkers.push(worker);
      return worker;
    },
    workerLogs: () => logs.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '')).join('\n'),
    async stop() {
      await Promise.all([rig.cpuWorker, rig.gpuWorker, ...extraWorkers].map((w) => w.stop()));
      await rig.client.connection.close();
      await server.stop();
    },
  };
  return rig;
}
