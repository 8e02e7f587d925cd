// Runs one TLT/TAO task (`tlt yolo_v4 train ...`) for an activity: its output, split on \r and \n, becomes
// events (and heartbeats), a copy goes to a log file with the key redacted, cancelling the activity
// kills it. Success is decided by the caller from `Execution status: PASS` and the files it expects,
// never from the exit code alone (the launcher can exit 0 after a failed job).
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import execa from 'execa';
import * as fs from 'node:fs';
import { defaultLauncher, redactKey } from '../../core/tao/command';
import { recogniseTaoFailure } from '../../core/tao/failures';
import { TaoLogParser, type TaoLogEvent } from '../../core/tao/log-parser';
import type { TaoDialect } from '../../core/tao/settings';
import { ErrorType } from '../../core/errors';

const HEARTBEAT_EVERY_MS = 10_000;
const TAIL_CHARS = 6000;

/** The launcher: POMONA_TAO_LAUNCHER (e.g. a wrapper around `docker run`, or the tests' emulator), else `tlt`/`tao`. */
export function taoLauncher(dialect: TaoDialect): string {
  return process.env.POMONA_TAO_LAUNCHER || defaultLauncher(dialect);
}

/**
 * The key models are encrypted with (`-k`): only from the GPU worker's environment, never from workflow
 * input, so it never reaches Temporal's history. TAO's docs use the NGC API key for it.
 */
export function taoKey(): string {
  const key = process.env.NGC_API_KEY;
  if (!key)
    throw ApplicationFailure.create({
      type: ErrorType.TaoKeyMissing,
      nonRetryable: true,
      message: "NGC_API_KEY is not set in the GPU worker's environment (the key TLT/TAO models are encrypted with)",
    });
  return key;
}

export interface TaoRun {
  passed: boolean;
  exitCode: number | null;
  /** The last lines of output, key redacted. */
  tail: string;
}

export interface TaoRunOptions {
  dialect: TaoDialect;
  args: string[];
  key: string;
  env: Record<string, string>;
  logFile: string;
  /** Called for each parsed event; `heartbeat` is the activity's heartbeat (throttled by the SDK). */
  onEvent?: (event: TaoLogEvent) => void;
  /** What to heartbeat while the tool prints nothing parseable (loading data, building the graph). */
  keepAlive?: () => unknown;
}

export async function runTaoTask(o: TaoRunOptions): Promise<TaoRun> {
  const ctx = Context.current();
  const log = fs.createWriteStream(o.logFile, { flags: 'a' });
  log.write(
    `\n=== ${new Date().toISOString()} attempt ${ctx.info.attempt}: ${redactKey([taoLauncher(o.dialect), ...o.args].join(' '), o.key)}\n`,
  );
  const child = execa(taoLauncher(o.dialect), o.args, {
    reject: false,
    buffer: false,
    stdin: 'pipe',
    env: o.env,
    killSignal: 'SIGTERM',
  });
  let passed = false;
  let tail = '';
  const onCancel = () => child.kill('SIGTERM', { forceKillAfterTimeout: 10_000 });
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  if (ctx.cancellationSignal.aborted) onCancel();
  // While the tool is silent (loading data, building the graph), heartbeat anyway, well within the
  // heartbeat timeout: that timeout is for dead workers, not quiet tools.
  const every = Math.min(
    HEARTBEAT_EVERY_MS,
    Math.max(500, (ctx.info.heartbeatTimeoutMs ?? HEARTBEAT_EVERY_MS * 3) / 3),
  );
  const keepAlive = setInterval(() => ctx.heartbeat(o.keepAlive?.()), every);

  // One parser per stream, so a line is never spliced from two streams' chunks.
  const streams = [child.stdout, child.stderr].map((stream) => {
    const parser = new TaoLogParser();
    const handle = (events: TaoLogEvent[]) => {
      for (const event of events) {
        if (event.type === 'status') passed = event.pass;
        o.onEvent?.(event);
      }
    };
    // The key may be split across chunks: the last key.length - 1 characters wait for the next chunk.
    let held = '';
    const emit = (text: string) => {
      log.write(text);
      tail = (tail + text).slice(-TAIL_CHARS);
      handle(parser.push(text));
    };
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const clean = redactKey(held + chunk, o.key);
      const keep = Math.min(clean.length, Math.max(0, o.key.length - 1));
      held = clean.slice(clean.length - keep);
      emit(clean.slice(0, clean.length - keep));
    });
    return new Promise<void>((resolve) => {
      if (!stream) return resolve();
      stream.once('end', () => {
        emit(held);
        handle(parser.end());
        resolve();
      });
      stream.once('error', () => resolve());
    });
  });

  try {
    const result = await child;
    await Promise.all(streams);
    if (ctx.cancellationSignal.aborted)
      throw new CancelledFailure(
        `TAO task stopped: activity cancelled (${String(ctx.cancellationSignal.reason ?? 'cancel')})`,
      );
    return { passed, exitCode: result.exitCode ?? null, tail };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw ApplicationFailure.create({
        type: ErrorType.TaoLauncherSetup,
        nonRetryable: true,
        message: `TAO launcher "${taoLauncher(o.dialect)}" not found on the GPU worker (install it, or set POMONA_TAO_LAUNCHER)`,
      });
    }
    throw err;
  } finally {
    clearInterval(keepAlive);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/**
 * The failure to raise for a run that did not succeed: a known cause is non-retryable (an operator
 * must act); anything else is retryable, with the output's tail as details.
 */
export function taoFailure(task: string, run: TaoRun, missing: string | null): ApplicationFailure {
  const known = recogniseTaoFailure(run.tail);
  if (known)
    return ApplicationFailure.create({
      type: known.type,
      nonRetryable: true,
      message: `TAO ${task}: ${known.line} (${known.advice})`,
      details: [run.tail.slice(-1500)],
    });
  const why = !run.passed ? 'no "Execution status: PASS"' : `PASS printed but ${missing}`;
  const lastLine = run.tail.trim().split(/\r|\n/).pop() ?? '';
  return ApplicationFailure.create({
    type: ErrorType.TaoFailed,
    message: `TAO ${task} failed (${why}; exit code ${run.exitCode}): ${lastLine}`,
    details: [run.tail.slice(-1500)],
  });
}
