// Long synchronous loops (a million header reads, links or small files) give the event loop a turn every
// so many steps, so heartbeats and cancellation still get through; synchronous steps in batches were
// several times faster than the same steps through the thread pool (docs/scale.md).
export const SYNC_BATCH = 1000;

/** Resolves at once, except at every `batch`-th step after the first, where it waits for one turn. */
export async function turnEvery(step: number, batch = SYNC_BATCH): Promise<void> {
  if (step > 0 && step % batch === 0) await new Promise((resolve) => setImmediate(resolve));
}
