// `pomona annotator --simulate`: answers waiting loops from the ground truth (demo, benchmarks).
import type { Command } from 'commander';
import { runSimulatedAnnotator } from '../annotator/simulated-annotator';
import { CliError } from '../cli-error';
import { connectClient, resolveWorkflowId } from '../temporal-client';
import { parseDuration } from '../parse-duration';

export function registerAnnotator(program: Command): void {
  program
    .command('annotator')
    .description('watch loops waiting for annotation and answer them')
    .option('--simulate', 'answer from the dataset ground truth (the only mode so far)')
    .option('--delay <duration>', 'wait before answering a batch, e.g. 2s, 1m', '2s')
    .option('--workflow <id>', 'only this loop (workflow id or project)')
    .action(async (opts: { simulate?: boolean; delay: string; workflow?: string }) => {
      if (!opts.simulate)
        throw new CliError('only --simulate is supported: people submit labels with `pomona annotate submit`', 2);
      const client = await connectClient();
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      console.error(
        `simulated annotator: answering ${opts.workflow ?? 'every waiting loop'} after ${opts.delay}; Ctrl-C to stop`,
      );
      await runSimulatedAnnotator(client, {
        delayMs: parseDuration(opts.delay),
        workflowId: opts.workflow ? resolveWorkflowId(opts.workflow) : undefined,
        signal: controller.signal,
      });
    });
}
