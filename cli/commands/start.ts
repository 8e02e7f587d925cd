// `pomona start --config FILE`: validates the config and starts the loop (workflow id pomona-<project>).
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseLoopConfig, type LoopConfig } from '../../core/config/loop-config';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { PomonaProject } from '../../workflows/search-attributes';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { CliError } from '../cli-error';
import { connectClient, loopWorkflowId } from '../temporal-client';

/** Reads and validates a config file; relative paths inside it are taken relative to the file. */
export async function readLoopConfig(file: string): Promise<LoopConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, 2);
  }
  const base = path.dirname(path.resolve(file));
  absolutize(raw, base);
  const parsed = parseLoopConfig(raw);
  if (!parsed.ok) throw new CliError(`${file}: invalid config\n  ${parsed.problems.join('\n  ')}`, 2);
  return parsed.config;
}

function absolutize(raw: unknown, base: string): void {
  const cfg = raw as { workspace?: unknown; dataset?: { path?: unknown; validation?: { path?: unknown } } };
  if (!cfg || typeof cfg !== 'object') return;
  const fix = (p: unknown) => (typeof p === 'string' && p !== '' && !p.startsWith('/') ? path.resolve(base, p) : p);
  cfg.workspace = fix(cfg.workspace);
  if (cfg.dataset && typeof cfg.dataset === 'object') {
    cfg.dataset.path = fix(cfg.dataset.path);
    if (cfg.dataset.validation && typeof cfg.dataset.validation === 'object')
      cfg.dataset.validation.path = fix(cfg.dataset.validation.path);
  }
}

export async function startLoop(config: LoopConfig, workflowId = loopWorkflowId(config.project)): Promise<string> {
  const client = await connectClient();
  const handle = await client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId,
    args: [config],
    typedSearchAttributes: [{ key: PomonaProject, value: config.project }],
    staticSummary: `Active learning on ${config.dataset.path}`,
  });
  return handle.workflowId;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start an active-learning loop from a JSON config (see `pomona config schema`)')
    .requiredOption('--config <file>', 'loop config JSON')
    .option('--id <workflowId>', 'workflow id (default pomona-<project>)')
    .action(async (opts: { config: string; id?: string }) => {
      const config = await readLoopConfig(opts.config);
      try {
        const id = await startLoop(config, opts.id);
        console.log(id);
        console.error(`started ${id}; follow it with \`npx pomona status ${id} --watch\` or in the Web UI`);
      } catch (err) {
        if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
          throw new CliError(
            `a loop with id ${opts.id ?? loopWorkflowId(config.project)} is already running (choose another project name or --id)`,
          );
        }
        throw err;
      }
    });
}
