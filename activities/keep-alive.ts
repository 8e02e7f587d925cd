// Heartbeats for short CPU activities. Their work is bounded, but a completion can still be lost: if the
// server is down when the worker reports it (longer than the worker's retries), the server would wait out
// the whole start-to-close timeout (hours) before retrying. With a heartbeat timeout and these
// keep-alives, it retries within the heartbeat timeout instead; the activities are idempotent.
import { Context } from '@temporalio/activity';
import { keepAliveIntervalMs } from './trainer-process';

/** Runs `work`, heartbeating meanwhile when the activity has a heartbeat timeout (outside an activity: just runs it). */
export async function withKeepAlive<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return work();
  }
  const timeoutMs = ctx.info.heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), keepAliveIntervalMs(timeoutMs));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
