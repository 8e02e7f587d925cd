// Starts pomona's workers against the cluster the environment names (worker/connection-options.ts), for
// `pomona worker` and the demo: the runtime's logger, one connection, the queues asked for.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { temporalTargetFromEnv } from './connection-options';
import { createWorkers, type QueueKind } from './workers';

export interface RunningWorkers {
  shutdown(): Promise<void>;
  done: Promise<void>;
}

let runtimeInstalled = false;

export async function startWorkers(
  queues: QueueKind[],
  opts: { gpuConcurrency?: number; logLevel?: 'WARN' | 'INFO' | 'DEBUG' } = {},
): Promise<RunningWorkers> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger(opts.logLevel ?? 'WARN') });
    runtimeInstalled = true;
  }
  const target = temporalTargetFromEnv();
  const connection = await NativeConnection.connect({
    address: target.address,
    tls: target.tls,
    apiKey: target.apiKey,
  });
  const workers = await createWorkers({
    connection,
    namespace: target.namespace,
    queues,
    gpuConcurrency: opts.gpuConcurrency,
    extra: { dataConverter: { payloadCodecs: target.payloadCodecs } },
  });
  const done = Promise.all(workers.map((w) => w.run())).then(async () => {
    await connection.close();
  });
  return {
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
