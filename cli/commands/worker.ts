// `pomona worker`: runs the CPU and/or GPU queue workers until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { temporalTargetFromEnv } from '../../worker/connection-options';
import { startWorkers } from '../../worker/start-workers';
import type { QueueKind } from '../../worker/workers';
import { choice, choices, integer } from '../option-parsers';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run pomona workers (pomona-cpu: ingest/select/annotate/evaluate + the workflow; pomona-gpu: embed/train/infer)',
    )
    .option('--queues <list>', 'comma-separated: cpu, gpu', choices<QueueKind>(['cpu', 'gpu']), ['cpu', 'gpu'])
    .option('--gpu-concurrency <n>', 'GPU activities at once (one per GPU)', integer(1), 1)
    .option('--log-level <level>', 'WARN, INFO or DEBUG', choice(['WARN', 'INFO', 'DEBUG'] as const, true), 'INFO')
    .action(async (opts: { queues: QueueKind[]; gpuConcurrency: number; logLevel: 'WARN' | 'INFO' | 'DEBUG' }) => {
      const running = await startWorkers(opts.queues, {
        gpuConcurrency: opts.gpuConcurrency,
        logLevel: opts.logLevel,
      });
      console.error(
        `pomona worker: polling ${opts.queues.map((q) => `pomona-${q}`).join(', ')} at ${temporalTargetFromEnv().address}`,
      );
      await running.done;
    });
}
