// `pomona annotator --simulate`: answers waiting loops from the ground truth (demo, benchmarks).
import { Option, type Command } from 'commander';
import { runSimulatedAnnotator } from '../annotator/simulated-annotator';
import { CliError } from '../cli-error';
import { connectClient, resolveWorkflowId } from '../temporal-client';
import { duration } from '../option-parsers';

export function registerAnnotator(program: Command): void {
  program
    .command('annotator')
    .description('watch loops waiting for annotation and answer them')
    .option('--simulate', 'answer from the dataset ground truth (the only mode so far)')
    .addOption(
      new Option('--delay <duration>', 'wait before answering a batch, e.g. 2s, 1m')
        .argParser(duration())
        .default(2000, '2s'),
    )
    .option('--workflow <id>', 'only this loop (workflow id or project)')
    .action(async (opts: { simulate?: boolean; delay: number; workflow?: string }) => {
      if (!opts.simulate)
        throw new CliError('only --simulate is supported: people submit labels with `pomona annotate submit`', 2);
      const client = await connectClient();
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      console.error(
        `simulated annotator: answering ${opts.workflow ?? 'every waiting loop'} after ${opts.delay / 1000} s; Ctrl-C to stop`,
      );
      await runSimulatedAnnotator(client, {
        delayMs: opts.delay,
        workflowId: opts.workflow ? resolveWorkflowId(opts.workflow) : undefined,
        signal: controller.signal,
      });
    });
}
