// The model a loop has trained last, for `pomona predict` and `pomona export --loop ID`: its project folder
// comes from the loop's start input (no worker needed, finished loops too), the model from its newest round.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestCheckpoint } from '../../activities/torch/torch-backend';
import { layout } from '../../core/workspace-layout';
import { CliError } from '../cli-error';
import { connectClient, resolveWorkflowId } from '../temporal-client';
import { locateLoop } from './report';

/** The newest round's final checkpoint of the reference detector in a loop's project folder. */
export async function newestLoopModel(projectDir: string): Promise<{ round: number; model: string }> {
  const roundsDir = path.join(projectDir, 'rounds');
  const rounds = fs.existsSync(roundsDir)
    ? fs
        .readdirSync(roundsDir)
        .filter((r) => /^\d+$/.test(r))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  for (const round of rounds) {
    const checkpoint = await latestCheckpoint(path.join(layout.train(projectDir, round), 'weights'));
    if (checkpoint) return { round, model: checkpoint.file };
  }
  throw new CliError(
    `${projectDir}: no round has a trained model of the reference detector yet (TAO models: docs/tao.md)`,
  );
}

/** The newest model of loop `id` (workflow id or project name); says on stderr which one it is. */
export async function loopModel(id: string): Promise<string> {
  const workflowId = resolveWorkflowId(id);
  const { projectDir } = await locateLoop(await connectClient(), workflowId);
  const newest = await newestLoopModel(projectDir);
  console.error(`${workflowId}: round ${newest.round}'s model ${newest.model}`);
  return newest.model;
}

/** `--loop ID` or `--model CKPT`, exactly one: checked before the other arguments. */
export function requireOneModelSource(opts: { loop?: string; model?: string }): void {
  if (!opts.loop === !opts.model) throw new CliError('give one of --loop ID and --model CKPT', 2);
}

/** The checkpoint asked for: `--model` (it must exist), else the loop's newest. */
export async function chosenModel(opts: { loop?: string; model?: string }): Promise<string> {
  if (!opts.model) return loopModel(opts.loop!);
  if (!fs.existsSync(opts.model)) throw new CliError(`--model ${opts.model}: no such file`, 2);
  return path.resolve(opts.model);
}
