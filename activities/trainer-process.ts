// Runs `python -m pomona_trainer <command>` as a child process for an activity: its JSON-line progress
// becomes heartbeats, cancellation of the activity kills it, and its exit code becomes the right failure
// (exit 2 = bad input, non-retryable; anything else retryable).
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import execa from 'execa';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { repositoryRoot } from '../core/io/repository-root';
import { keepAliveIntervalMs } from './keep-alive';
import { ErrorType } from '../core/errors';

export type TrainerEvent = { event: string } & Record<string, unknown>;

/** The trainer's interpreter: POMONA_PYTHON, else the project's .venv. */
export function trainerPython(): string {
  return process.env.POMONA_PYTHON ?? path.join(repositoryRoot(), '.venv', 'bin', 'python');
}

/**
 * Trainer arguments from a record: `{ images: '/a', epochs: 3, tta: true }` -> `--images /a --epochs 3 --tta`;
 * undefined and false skipped (true is a flag without a value).
 */
export function trainerArgs(command: string, options: Record<string, string | number | boolean | undefined>): string[] {
  const args = [command];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) args.push(flag);
    else args.push(flag, String(value));
  }
  return args;
}

export interface TrainerRun {
  events: TrainerEvent[];
  stderrTail: string;
}

/**
 * Runs the trainer to completion. `onEvent` sees every JSON line; each also heartbeats the activity with
 * `heartbeat(event)` details when given (the SDK throttles heartbeats, so calling it per line is fine).
 */
export async function runTrainer(
  args: string[],
  onEvent: (event: TrainerEvent) => void = () => undefined,
  /** Details of the keep-alive heartbeats (default: the newest event), so they never hide the caller's. */
  keepAliveDetails?: () => unknown,
): Promise<TrainerRun> {
  const ctx = Context.current();
  const child = execa(trainerPython(), ['-m', 'pomona_trainer', ...args], {
    cwd: repositoryRoot(),
    reject: false,
    buffer: false,
    // stdin stays open and unused: if this worker dies, even by SIGKILL, the pipe closes and the trainer
    // stops (POMONA_STOP_ON_STDIN_EOF), so a retry elsewhere never races an orphan on the same files.
    stdin: 'pipe',
    env: { PYTHONUNBUFFERED: '1', POMONA_STOP_ON_STDIN_EOF: '1' },
    killSignal: 'SIGTERM',
  });
  const events: TrainerEvent[] = [];
  let stderrTail = '';
  const onCancel = () => child.kill('SIGTERM', { forceKillAfterTimeout: 10_000 });
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  if (ctx.cancellationSignal.aborted) onCancel();
  // While the trainer lives, heartbeat its latest progress even when it prints nothing for a while
  // (loading a large labelled set): the heartbeat timeout is for dead workers, not slow first epochs.
  let latest: TrainerEvent | undefined;
  // A third of the timeout, so a silent stretch between progress lines never looks like a dead worker.
  const keepAlive = setInterval(
    () => ctx.heartbeat(keepAliveDetails ? keepAliveDetails() : latest),
    keepAliveIntervalMs(ctx.info.heartbeatTimeoutMs),
  );

  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const linesClosed = new Promise<void>((resolve) => lines.once('close', resolve));
  lines.on('line', (line) => {
    const event = parseEvent(line);
    if (!event) return;
    events.push(event);
    latest = event;
    onEvent(event);
  });

  try {
    const result = await child;
    await linesClosed;
    if (ctx.cancellationSignal.aborted) {
      throw new CancelledFailure(
        `trainer stopped: activity cancelled (${String(ctx.cancellationSignal.reason ?? 'cancel')})`,
      );
    }
    if (result.exitCode === 0) return { events, stderrTail };
    const lastLine = stderrTail.trim().split('\n').pop() ?? '';
    if (result.exitCode === 2) {
      throw ApplicationFailure.create({
        type: ErrorType.TrainerInputError,
        message: `trainer ${args[0]}: ${lastLine}`,
        nonRetryable: true,
      });
    }
    const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    throw ApplicationFailure.create({
      type: ErrorType.TrainerFailed,
      message: `trainer ${args[0]} failed (${how}): ${lastLine}`,
      details: [stderrTail.slice(-1500)],
    });
  } finally {
    clearInterval(keepAlive);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
  }
}

function parseEvent(line: string): TrainerEvent | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && typeof (value as TrainerEvent).event === 'string'
      ? (value as TrainerEvent)
      : null;
  } catch {
    return null;
  }
}

/** Sends each trainer event as the activity's heartbeat (its newest progress, for `pomona status`). */
export function heartbeatEach(event: TrainerEvent): void {
  Context.current().heartbeat(event);
}
