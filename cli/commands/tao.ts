// `pomona tao spec --config FILE [--round N]`: prints the YOLOv4 experiment spec the GPU worker would run
// for a round (same code path as the tao backend), so an operator can check it against their TLT/TAO.
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { latestCheckpointName } from '../../core/tao/checkpoints';
import { layout, projectDir as projectDirOf } from '../../core/workspace-layout';
import { readLabelledSet } from '../../activities/labelled-set';
import { roundSpec, type LabelledSummary } from '../../activities/tao/round-spec';
import { summarizeKittiSet } from '../../activities/tao/staging';
import { CliError } from '../cli-error';
import { integer } from '../option-parsers';
import { readLoopConfig } from './start';

interface SpecOptions {
  config: string;
  round: number;
  resume?: string;
  initWeights?: string;
}

export function registerTao(program: Command): void {
  const tao = program.command('tao').description('NVIDIA TLT/TAO YOLOv4 backend tools (docs/tao.md)');
  tao
    .command('spec')
    .description("print a round's experiment spec (protobuf text) as the GPU worker would generate it")
    .requiredOption('--config <file>', 'loop config JSON with trainer.backend "tao"')
    .option('--round <n>', 'round number', integer(1), 1)
    .option('--resume <checkpoint>', 'as a retry would: resume_model_path = this checkpoint (host path)')
    .option('--init-weights <file>', "round > 1: the previous round's weights (default: its newest checkpoint)")
    .action(async (opts: SpecOptions) => {
      process.stdout.write(await specForRound(opts));
    });
}

async function exists(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null)) !== null;
}

export async function specForRound(opts: SpecOptions): Promise<string> {
  const config = await readLoopConfig(opts.config);
  const settings = config.trainer.tao;
  if (config.trainer.backend !== 'tao' || !settings)
    throw new CliError(`${opts.config}: trainer.backend is not "tao"`, 2);
  if (!Number.isInteger(opts.round) || opts.round < 1) throw new CliError('--round must be a positive integer', 2);
  const projectDir = projectDirOf(config.workspace, config.project);
  const labelled = await labelledSummary(layout.labelled(projectDir, opts.round), settings.classMapping);

  let start: { kind: 'pretrain' | 'resume'; hostPath: string };
  if (opts.resume) start = { kind: 'resume', hostPath: path.resolve(opts.resume) };
  else if (opts.round === 1 || !config.trainer.fineTune)
    start = { kind: 'pretrain', hostPath: settings.pretrainedModel };
  else
    start = {
      kind: 'pretrain',
      hostPath: opts.initWeights ? path.resolve(opts.initWeights) : await previousWeights(projectDir, opts.round),
    };

  try {
    return roundSpec({
      settings,
      projectDir,
      // As the workflow passes them (round n trains with seed + n).
      round: opts.round,
      epochs: config.trainer.epochs,
      minSteps: labelled.count ? config.trainer.minSteps : undefined,
      checkpointInterval: config.trainer.checkpointInterval,
      seed: config.trainer.seed + opts.round,
      inputSize: config.trainer.inputSize,
      batchSize: config.trainer.batchSize,
      labelled,
      hasValidation: config.dataset.validation.path !== undefined || config.dataset.validation.fraction !== undefined,
      start,
    }).text;
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** The round's labelled set when the loop has imported it; else what the config alone says. */
async function labelledSummary(
  file: string,
  classMapping: Record<string, string> | undefined,
): Promise<LabelledSummary> {
  if (await exists(file)) return summarizeKittiSet((await readLabelledSet(file)).images);
  if (!classMapping)
    throw new CliError(
      `${file} does not exist yet: the spec's classes come from the round's labels (or set trainer.tao.classMapping)`,
      2,
    );
  console.error(
    `pomona tao spec: ${file} does not exist yet; classes from trainer.tao.classMapping, num_epochs without minSteps`,
  );
  return { count: 0, classes: Object.keys(classMapping), extensions: [], boxes: [] };
}

async function previousWeights(projectDir: string, round: number): Promise<string> {
  const weights = path.join(layout.train(projectDir, round - 1), 'weights');
  const latest = latestCheckpointName(await fs.readdir(weights).catch(() => []));
  if (!latest) throw new CliError(`round ${round - 1} has no checkpoint in ${weights}: pass --init-weights`, 2);
  return path.join(weights, latest.name);
}
