// A push of a project into its LightlyStudio dataset: the plan from the project's artifacts
// (core/lightly-studio/push-plan.ts), then integrations/lightly-studio run by LightlyStudio's own Python.
// Its log and progress bars go to `onStderr` as they come (the CLI: the terminal); its one JSON line of
// counts comes back. One function for `pomona lightly push` and the loop's pushToLightlyStudio activity.
import execa from 'execa';
import { writePushPlan, type PushPlan } from '../../core/lightly-studio/push-plan';
import type { LightlyPushSummary } from '../types';
import { lightlyStudioEnv, lightlyStudioPython, requireLightlyStudio } from './lightly-studio-env';

export interface PushOptions {
  /** LightlyStudio's log as it comes; default: this process's stderr. */
  onStderr?: (chunk: Buffer) => void;
  /** Aborting kills LightlyStudio's process (SIGTERM); the push fails. */
  signal?: AbortSignal;
}

export async function pushProject(
  projectDir: string,
  options: PushOptions = {},
): Promise<{ plan: PushPlan; summary: LightlyPushSummary; wallSeconds: number }> {
  requireLightlyStudio();
  const started = Date.now();
  const { planFile, plan } = await writePushPlan(projectDir);
  const child = execa(lightlyStudioPython(), ['-m', 'pomona_lightly_studio', 'push', '--plan', planFile], {
    env: lightlyStudioEnv(),
    reject: false,
  });
  const kill = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', kill);
  const onStderr = options.onStderr ?? ((chunk: Buffer) => process.stderr.write(chunk));
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    onStderr(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const result = await child.finally(() => options.signal?.removeEventListener('abort', kill));
  if (result.exitCode !== 0) {
    const lines = stderrTail.trim().split('\n');
    const error = lines.reverse().find((l) => l.startsWith('error: ') || /Error\b/.test(l)) ?? lines[0] ?? '';
    // DuckDB allows one writer: a GUI open on the same file holds it.
    const hint = /lock/i.test(stderrTail) ? ' (is `pomona lightly gui` open on it? stop it first)' : '';
    const how =
      result.exitCode === undefined || result.exitCode === null
        ? `killed (${result.signal})`
        : `exit code ${result.exitCode}`;
    throw new Error(`push to ${plan.dbFile} failed (${how}): ${error.replace(/^error: /, '')}${hint}`);
  }
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return { plan, summary: JSON.parse(line) as LightlyPushSummary, wallSeconds: (Date.now() - started) / 1000 };
}
