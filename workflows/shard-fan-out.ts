// The fan-out shared by the pool's child workflows in shards (pool-inference.ts, pool-embedding.ts): shards
// 0..n-1 run as activities, at most `inFlight` scheduled at once, the next one as each finishes, so every
// worker on the queue takes them; the progress is a query and the Web UI's current details. After a shard
// fails its attempts no lane starts another, the running ones finish (their work is kept for a rerun),
// and the fan-out fails with that shard's failure. Deterministic workflow code.
import { defineQuery, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { ShardResult } from '../activities/types';

export interface ShardProgress {
  shards: number;
  images: number;
  /** Shards whose work is in, `reused` of them from an earlier run of this fan-out. */
  done: number;
  reused: number;
  running: number;
}

/** Where a fan-out stands (also in the Web UI's current details of its child workflow). */
export const shardProgress = defineQuery<ShardProgress>('shardProgress');

/** The progress of this workflow's fan-out, answering `shardProgress`; `what` names it in the details. */
export function trackShards(what: string): { progress: ShardProgress; show: () => void } {
  const progress: ShardProgress = { shards: 0, images: 0, done: 0, reused: 0, running: 0 };
  setHandler(shardProgress, () => progress);
  const show = () =>
    setCurrentDetails(
      `${what}, ${progress.done} of ${progress.shards} shards done` +
        `${progress.reused ? ` (${progress.reused} from an earlier run)` : ''}, ${progress.running} running`,
    );
  return { progress, show };
}

export async function runShards(
  tracked: { progress: ShardProgress; show: () => void },
  inFlight: number,
  runShard: (shard: number) => Promise<ShardResult>,
): Promise<void> {
  const { progress, show } = tracked;
  let next = 0;
  const failures: Error[] = [];
  const lane = async () => {
    while (next < progress.shards && failures.length === 0) {
      const shard = next++;
      progress.running++;
      show();
      try {
        const result = await runShard(shard);
        progress.done++;
        if (result.reused) progress.reused++;
      } catch (err) {
        failures.push(err as Error);
      } finally {
        progress.running--;
        show();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, progress.shards) }, lane));
  if (failures.length) throw failures[0];
}
