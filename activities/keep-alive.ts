// Keep-alive heartbeats: the period both workers use (the trainer's runner too), and the wrapper the CPU
// worker applies to every activity. CPU work is bounded, but a completion can still be lost: if the
// server is down when the worker reports it (longer than the worker's retries), the server would wait out
// the whole start-to-close timeout (hours) before retrying. With a heartbeat timeout and these
// keep-alives, it retries within the heartbeat timeout instead; the activities are idempotent.
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Keep-alive heartbeat period: every 2 s (cancellation arrives only with a heartbeat's answer, and the GPU
 * worker sends at most one every 2 s), or a third of a shorter heartbeat timeout.
 */
export function keepAliveIntervalMs(heartbeatTimeoutMs: number | undefined): number {
  return Math.max(100, Math.min(2_000, (heartbeatTimeoutMs ?? Infinity) / 3));
}

/** Runs `work`, heartbeating meanwhile when the activity has a heartbeat timeout (outside an activity: just runs it). */
export async function withKeepAlive<T>(work: () => Promise<T>, ctx: Context | null = currentContext()): Promise<T> {
  const timeoutMs = ctx?.info.heartbeatTimeoutMs;
  if (!ctx || !timeoutMs) return work();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), keepAliveIntervalMs(timeoutMs));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Every activity of the worker runs under withKeepAlive. */
export const keepAliveInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: { execute: (input, next) => withKeepAlive(() => next(input), ctx) },
});

function currentContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}
