// `pomona export (--loop ID | --model CKPT) --format onnx --out FILE`: the reference detector as an ONNX
// model for serving elsewhere; its inputs, outputs and decoding are in docs/trainer.md (ONNX export).
import type { Command } from 'commander';
import execa from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainerPython } from '../../activities/trainer-process';
import { CliError } from '../cli-error';
import { loopModel } from './loop-model';

interface ExportOptions {
  loop?: string;
  model?: string;
  format: string;
  out: string;
}

async function exportModel(opts: ExportOptions): Promise<void> {
  if (!opts.loop === !opts.model) throw new CliError('give one of --loop ID and --model CKPT', 2);
  if (opts.format !== 'onnx') throw new CliError(`--format ${opts.format}: only onnx`, 2);
  const out = path.resolve(opts.out);
  if (fs.existsSync(out)) throw new CliError(`--out ${opts.out}: exists (nothing is overwritten)`, 2);
  if (opts.model && !fs.existsSync(opts.model)) throw new CliError(`--model ${opts.model}: no such file`, 2);
  const model = opts.model ? path.resolve(opts.model) : await loopModel(opts.loop!);
  const args = ['-m', 'pomona_trainer', 'export', '--model', model, '--out', out, '--format', opts.format];
  const run = await execa(trainerPython(), args, { reject: false });
  if (run.exitCode !== 0) {
    const last = run.stderr.trim().split('\n').pop() ?? '';
    throw new CliError(`trainer export: ${last.replace(/^error: /, '')}`, run.exitCode === 2 ? 2 : 1);
  }
  const done = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { max_difference?: number };
  console.log(
    `${out}: ONNX model of ${model} (largest difference from PyTorch on a check input: ${done.max_difference?.toExponential(1)})`,
  );
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("the reference detector as an ONNX model: a loop's newest round's, or a checkpoint")
    .option('--loop <id>', "the loop whose newest round's model to export (workflow id or project name)")
    .option('--model <ckpt>', "a checkpoint of pomona's reference detector (rounds/<n>/train/weights/epoch_NNN.pt)")
    .option('--format <format>', 'onnx', 'onnx')
    .requiredOption('--out <file>', 'a new file')
    .action(exportModel);
}
