// `pomona export (--loop ID | --model CKPT) --format onnx --out FILE`: the reference detector as an ONNX
// model for serving elsewhere; its inputs, outputs and decoding are in docs/trainer.md (ONNX export).
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from '../cli-error';
import { choice } from '../option-parsers';
import { chosenModel, requireOneModelSource } from './loop-model';
import { runTrainerCommand } from '../run-trainer';

interface ExportOptions {
  loop?: string;
  model?: string;
  format: string;
  out: string;
}

async function exportModel(opts: ExportOptions): Promise<void> {
  requireOneModelSource(opts);
  const out = path.resolve(opts.out);
  if (fs.existsSync(out)) throw new CliError(`--out ${opts.out}: exists (nothing is overwritten)`, 2);
  const model = await chosenModel(opts);
  const events = await runTrainerCommand(['export', '--model', model, '--out', out, '--format', opts.format]);
  const done = events.find((e) => e.event === 'done') as { max_difference?: number } | undefined;
  console.log(
    `${out}: ONNX model of ${model} (largest difference from PyTorch on a check input: ${done?.max_difference?.toExponential(1)})`,
  );
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("the reference detector as an ONNX model: a loop's newest round's, or a checkpoint")
    .option('--loop <id>', "the loop whose newest round's model to export (workflow id or project name)")
    .option('--model <ckpt>', "a checkpoint of pomona's reference detector (rounds/<n>/train/weights/epoch_NNN.pt)")
    .option('--format <format>', 'onnx', choice(['onnx'] as const), 'onnx')
    .requiredOption('--out <file>', 'a new file')
    .action(exportModel);
}
