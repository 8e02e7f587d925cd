// `pomona status ID [--watch] [--json]`: the loop's `status` query (plus the training activity's heartbeat
// and last failure, the last failure of an embedding or inference being retried, and the progress of a
// fan-out in shards), as text (with a training progress bar when watching) or JSON.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { TrainHeartbeat } from '../../activities/types';
import { status as statusQuery, type LoopStatus } from '../../workflows/messages';
import { shardProgress, type ShardProgress } from '../../workflows/shard-fan-out';
import { CliError } from '../cli-error';
import { connectClient, resolveWorkflowId } from '../temporal-client';

/** A child workflow of the loop that runs the pool's work in shards (`shards.images`), and where it stands. */
export interface ShardedWork {
  workflowId: string;
  what: string;
  progress: ShardProgress;
}

const SHARDED_WORK: Record<string, string> = { poolEmbedding: 'pool embedding', poolInference: 'pool inference' };

export async function queryStatus(
  client: Client,
  workflowId: string,
): Promise<{ status: LoopStatus; execution: string; shards?: ShardedWork }> {
  const handle = client.workflow.getHandle(workflowId);
  const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
  return {
    status: withTrainingActivity(status, description.raw.pendingActivities ?? []),
    execution: description.status.name,
    ...(await shardedWork(client, description.raw.pendingChildren ?? [])),
  };
}

/** The running fan-out's progress (its own query; nothing in the loop's history), when there is one. */
async function shardedWork(
  client: Client,
  children: NonNullable<WorkflowExecutionDescription['raw']['pendingChildren']>,
): Promise<{ shards?: ShardedWork }> {
  const child = children.find((c) => c.workflowTypeName && c.workflowTypeName in SHARDED_WORK);
  if (!child?.workflowId) return {};
  // Best effort: a fan-out that just ended, or that no worker answers for yet, leaves the status as it is.
  const progress = await client.workflow
    .getHandle(child.workflowId)
    .query(shardProgress)
    .catch(() => null);
  return progress
    ? { shards: { workflowId: child.workflowId, what: SHARDED_WORK[child.workflowTypeName!], progress } }
    : {};
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

/**
 * Training progress lives in the running `trainRound` activity's heartbeat details, and a failed attempt
 * that Temporal is retrying (also a lost worker, which cannot report itself) in its `lastFailure`: both are
 * read from the workflow's description, so they cost no history events.
 */
export function withTrainingActivity(status: LoopStatus, pending: PendingActivity[]): LoopStatus {
  const train = pending.find((a) => a.activityType?.name === 'trainRound');
  if (!train || status.phase !== 'training') return withRetriedGpuJob(status, pending);
  const next = { ...status };
  const payload = train.heartbeatDetails?.payloads?.[0];
  const beat = payload ? defaultPayloadConverter.fromPayload<Partial<TrainHeartbeat> | null>(payload) : null;
  if (beat?.progress && beat.progress.round === status.round) next.training = beat.progress;
  // The attempt running now is `attempt`; the one before it failed. Unbounded retries report 0 attempts.
  const attempt = train.attempt ?? 1;
  const max = train.maximumAttempts ?? 0;
  if (attempt > 1 && train.lastFailure?.message && !next.lastError) {
    const failed = attempt - 1;
    next.lastError = max
      ? `round ${status.round} training attempt ${failed} of ${max} failed: ${train.lastFailure.message}; Temporal retries it from the last checkpoint (${max - failed} attempt(s) left)`
      : `round ${status.round} training attempt ${failed} failed: ${train.lastFailure.message}; Temporal retries it from the last checkpoint`;
  }
  return next;
}

/** The embedding or an inference that Temporal is retrying: its last failure, while no other error shows. */
function withRetriedGpuJob(status: LoopStatus, pending: PendingActivity[]): LoopStatus {
  const job = pending.find((a) => a.activityType?.name === 'embedPool' || a.activityType?.name === 'inferImages');
  const attempt = job?.attempt ?? 1;
  if (!job || attempt <= 1 || !job.lastFailure?.message || status.lastError) return status;
  const what = job.activityType?.name === 'embedPool' ? 'embedding the pool' : `round ${status.round} inference`;
  return {
    ...status,
    lastError: `${what}: attempt ${attempt - 1} failed: ${job.lastFailure.message}; Temporal is retrying (attempt ${attempt})`,
  };
}

export function formatStatus(s: LoopStatus, execution: string, shards?: ShardedWork): string {
  const lines = [
    `${s.project}  round ${s.round}  phase ${s.phase}${s.paused ? ' (paused)' : ''}${s.stopRequested ? ' (stop requested)' : ''}  [${execution}]`,
    `labelled ${s.labelled} of ${s.pool} pool images; validation ${s.validation}`,
  ];
  const byClass = Object.entries(s.labelledBoxesByClass ?? {});
  if (byClass.length > 1) lines.push(`labelled boxes by class: ${byClass.map(([cls, n]) => `${cls} ${n}`).join(', ')}`);
  const ls = s.pendingBatch?.labelStudio;
  if (s.pendingBatch && ls) {
    const b = s.pendingBatch;
    const p = ls.progress;
    lines.push(
      ls.projectUrl
        ? `waiting for labels in Label Studio: round ${b.round}, ${p ? `${p.annotated} annotated, ${p.skipped} skipped, ${p.pending} to do of ${p.total}` : `${b.count} tasks`} at ${ls.projectUrl}${ls.webhook ? '' : ' (no webhook: polling only)'}`
        : `handing round ${b.round}'s ${b.count} images to Label Studio at ${ls.url}`,
    );
    lines.push(`  take what is done: npx pomona annotate take ${s.project} --round ${b.round}`);
  } else if (s.pendingBatch) {
    const b = s.pendingBatch;
    lines.push(
      `waiting for labels: round ${b.round}, ${b.count} images listed in ${b.imageListPath}${b.prelabels ? ' (pre-labels included)' : ''}`,
    );
    lines.push(`  submit: npx pomona annotate submit ${s.project} --round ${b.round} --labels DIR`);
  }
  if (s.annotationProblems.length)
    lines.push(
      ls ? 'annotations rejected:' : 'last submission rejected:',
      ...s.annotationProblems.map((p) => `  ${p}`),
    );
  if (s.training)
    lines.push(`training: epoch ${s.training.epoch}/${s.training.epochs}, loss ${s.training.loss ?? '-'}`);
  if (shards) {
    const p = shards.progress;
    lines.push(
      `${shards.what} in shards: ${p.done} of ${p.shards} done${p.reused ? ` (${p.reused} from an earlier run)` : ''}, ` +
        `${p.running} running, ${p.images} images (workflow ${shards.workflowId})`,
    );
  }
  for (const m of s.metrics) {
    const perClass = m.ap50ByClass
      ? ` (${Object.entries(m.ap50ByClass)
          .map(([cls, ap]) => `${cls} ${ap.toFixed(3)}`)
          .join(', ')})`
      : '';
    lines.push(
      `round ${m.round}: ${m.labelled} labelled, mAP@0.5 ${m.map50.toFixed(3)}${perClass}, COCO AP ${m.cocoAp.toFixed(3)}`,
    );
  }
  if (s.stopReason) lines.push(`finished: ${s.stopReason}`);
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return lines.join('\n');
}

async function watch(client: Client, workflowId: string): Promise<void> {
  const bar = new SingleBar(
    { format: 'training round {round} |{bar}| epoch {value}/{total} loss {loss}', hideCursor: true },
    Presets.shades_classic,
  );
  let barRound: number | null = null;
  let lastText = '';
  for (;;) {
    let current: Awaited<ReturnType<typeof queryStatus>>;
    try {
      current = await queryStatus(client, workflowId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new CliError(`no loop with id ${workflowId}`);
      // The run may be between continueAsNew runs or no worker may be up to answer: say so, try again.
      if (!lastText.startsWith('(')) console.error(`(waiting for an answer: ${(err as Error).message})`);
      lastText = '(';
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    const { status: s, execution, shards } = current;
    if (s.training) {
      if (barRound !== s.training.round) {
        if (barRound !== null) bar.stop();
        bar.start(s.training.epochs, s.training.epoch, {
          round: s.training.round,
          loss: s.training.loss?.toFixed(4) ?? '-',
        });
        barRound = s.training.round;
      } else {
        bar.update(s.training.epoch, { loss: s.training.loss?.toFixed(4) ?? '-' });
      }
    } else {
      if (barRound !== null) {
        bar.stop();
        barRound = null;
      }
      const text = formatStatus(s, execution, shards);
      if (text !== lastText) console.log(`${text}\n`);
      lastText = text;
    }
    if (execution !== 'RUNNING' && execution !== 'CONTINUED_AS_NEW') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<id>', 'workflow id or project name')
    .option('--watch', 'follow the loop until it ends, with a training progress bar')
    .option('--json', 'print the status query result as JSON')
    .description("show a loop's phase, counts, pending batch, training progress and metrics")
    .action(async (id: string, opts: { watch?: boolean; json?: boolean }) => {
      const client = await connectClient();
      const workflowId = resolveWorkflowId(id);
      if (opts.watch) return watch(client, workflowId);
      const { status: s, execution, shards } = await queryStatus(client, workflowId);
      console.log(
        opts.json ? JSON.stringify({ ...s, execution, shards }, null, 2) : formatStatus(s, execution, shards),
      );
    });
}
