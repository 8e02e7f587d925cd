// `pomona annotate export|submit|take`: hand a pending batch to people, submit their KITTI labels, or take
// what is annotated in Label Studio.
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { status as statusQuery, takeAnnotated } from '../../workflows/messages';
import { submitLabels } from '../annotator/submit-labels';
import { CliError } from '../cli-error';
import { integer } from '../option-parsers';
import { connectClient, resolveWorkflowId } from '../temporal-client';

export function registerAnnotate(program: Command): void {
  const annotate = program.command('annotate').description('annotation hand-off for a loop waiting for labels');
  annotate
    .command('export')
    .argument('<id>', 'workflow id or project name')
    .option('--to <dir>', 'also copy the batch (images, image list, pre-labels) to this folder')
    .description('show (and optionally copy) the batch waiting for annotation')
    .action(async (id: string, opts: { to?: string }) => {
      const client = await connectClient();
      const status = await client.workflow.getHandle(resolveWorkflowId(id)).query(statusQuery);
      const batch = status.pendingBatch;
      if (!batch) throw new CliError(`${status.project} is not waiting for annotation (phase ${status.phase})`);
      let dir = batch.exportDir;
      if (opts.to) {
        dir = path.resolve(opts.to);
        await fs.cp(batch.exportDir, dir, { recursive: true, dereference: true });
      }
      console.log(
        JSON.stringify(
          {
            round: batch.round,
            count: batch.count,
            exportDir: dir,
            imageList: path.join(dir, path.basename(batch.imageListPath)),
            prelabels: batch.prelabels,
          },
          null,
          2,
        ),
      );
      console.error(
        `label the images listed there in any KITTI tool, then: npx pomona annotate submit ${status.project} --round ${batch.round} --labels DIR`,
      );
    });
  annotate
    .command('submit')
    .argument('<id>', 'workflow id or project name')
    .requiredOption('--round <n>', 'the round of the batch', integer(1))
    .requiredOption('--labels <dir>', 'folder with one KITTI <image>.txt per batch image')
    .description('submit labels; they are validated before anything is imported')
    .action(async (id: string, opts: { round: number; labels: string }) => {
      const client = await connectClient();
      const result = await submitLabels(client, resolveWorkflowId(id), {
        round: opts.round,
        labelsDir: path.resolve(opts.labels),
      });
      console.log(`imported ${result.boxes} boxes; ${result.labelledCount} images labelled in total`);
    });
  annotate
    .command('take')
    .argument('<id>', 'workflow id or project name')
    .requiredOption('--round <n>', 'the round of the batch', integer(1))
    .description("Label Studio: import the tasks annotated so far; the batch's other images return to the pool")
    .action(async (id: string, opts: { round: number }) => {
      const client = await connectClient();
      const handle = client.workflow.getHandle(resolveWorkflowId(id));
      const batch = (await handle.query(statusQuery)).pendingBatch;
      if (!batch?.labelStudio) throw new CliError(`${id} has no batch waiting in Label Studio`);
      if (batch.round !== opts.round)
        throw new CliError(`the batch in Label Studio is round ${batch.round}, not ${opts.round}`, 2);
      await handle.signal(takeAnnotated, { round: opts.round });
      console.log(`asked to import round ${opts.round}'s annotated tasks; see npx pomona status ${id}`);
    });
}
