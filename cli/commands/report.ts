// `pomona report ID [--out DIR]`: an HTML page (plus the learning curve as PNG and SVG) for a loop: mAP
// per round, labelled counts, the scenes each round selected, example images with predictions.
// The loop's project folder is found from the workflow's start input, so no worker needs to be running and
// loops that ended long ago work too; `--project-dir` skips Temporal altogether.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Command } from 'commander';
import { writeReport } from '../../core/report/write-report';
import { projectDir as projectDirOf } from '../../core/workspace-layout';
import { PomonaPhase, PomonaRound } from '../../workflows/search-attributes';
import { CliError } from '../cli-error';
import { finite, integer } from '../option-parsers';
import { connectClient, resolveWorkflowId } from '../temporal-client';

interface LoopLocation {
  projectDir: string;
  liveStatus: string;
}

/** The project folder of a loop, from the first argument of its current run (the loop config). */
export async function locateLoop(client: Client, workflowId: string): Promise<LoopLocation> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no loop with id ${workflowId}`);
    throw err;
  }
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const first = started?.input?.payloads?.[0];
  const config = first
    ? defaultPayloadConverter.fromPayload<{ workspace?: unknown; project?: unknown }>(first)
    : undefined;
  if (typeof config?.workspace !== 'string' || typeof config.project !== 'string') {
    throw new CliError(
      `${workflowId} does not look like a pomona loop (its input has no workspace and project); use --project-dir`,
    );
  }
  const attrs = description.typedSearchAttributes;
  const phase = attrs.get(PomonaPhase);
  const round = attrs.get(PomonaRound);
  const liveStatus = [
    description.status.name.toLowerCase(),
    phase && `phase ${phase}`,
    round !== undefined && `round ${round}`,
  ]
    .filter(Boolean)
    .join(', ');
  return { projectDir: projectDirOf(config.workspace, config.project), liveStatus };
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('[id]', 'workflow id or project name of the loop')
    .option('--project-dir <dir>', 'build the report from this project folder, without asking Temporal')
    .option('--out <dir>', 'where to write the report (default: <project>/report)')
    .option('--examples <n>', 'validation images shown with predictions', integer(0), 6)
    .option('--thumbnails <n>', 'selected images shown per round', integer(0), 12)
    .option('--min-score <s>', 'predictions drawn from this score up', finite(0), 0.3)
    .description('write an HTML report of a loop: mAP per round, selections, example predictions')
    .action(
      async (
        id: string | undefined,
        opts: { projectDir?: string; out?: string; examples: number; thumbnails: number; minScore: number },
      ) => {
        if (!id && !opts.projectDir) throw new CliError('give the loop id (or project name), or --project-dir');
        let location: LoopLocation | undefined;
        if (!opts.projectDir) location = await locateLoop(await connectClient(), resolveWorkflowId(id!));
        const projectDir = opts.projectDir ?? location!.projectDir;
        let written;
        try {
          written = await writeReport({
            projectDir,
            outDir: opts.out,
            examples: opts.examples,
            thumbnailsPerRound: opts.thumbnails,
            minScore: opts.minScore,
            liveStatus: location?.liveStatus,
          });
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError(`report for ${projectDir}: ${(err as Error).message}`);
        }
        const evaluated = written.data.rounds.filter((r) => r.metrics).length;
        console.log(
          `report: ${written.html} (${written.data.rounds.length} rounds, ${evaluated} evaluated); learning curve ${written.png}`,
        );
      },
    );
}
