// A push of a project into its LightlyStudio dataset: the plan from the project's artifacts
// (core/lightly-studio/push-plan.ts), then integrations/lightly-studio run by LightlyStudio's own Python.
// Its log and progress bars go to stderr as they come; its one JSON line of counts comes back.
import execa from 'execa';
import { writePushPlan, type PushPlan } from '../../core/lightly-studio/push-plan';
import { lightlyStudioEnv, lightlyStudioPython, requireLightlyStudio } from './lightly-studio-env';

export interface PushSummary {
  dbFile: string;
  dataset: string;
  images: number;
  imagesAdded: number;
  embeddingsInCsv: number;
  boxesAdded: Record<string, number>;
  tags: Record<string, number>;
  /** LightlyStudio's own work, without starting its Python (about 7 s of imports). */
  seconds: number;
}

export async function pushToLightlyStudio(
  projectDir: string,
  options: { quiet?: boolean } = {},
): Promise<{ plan: PushPlan; summary: PushSummary; wallSeconds: number }> {
  requireLightlyStudio();
  const started = Date.now();
  const { planFile, plan } = await writePushPlan(projectDir);
  const child = execa(lightlyStudioPython(), ['-m', 'pomona_lightly_studio', 'push', '--plan', planFile], {
    env: lightlyStudioEnv(),
    reject: false,
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (!options.quiet) process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const result = await child;
  if (result.exitCode !== 0) {
    const lines = stderrTail.trim().split('\n');
    const error = lines.reverse().find((l) => l.startsWith('error: ') || /Error\b/.test(l)) ?? lines[0] ?? '';
    // DuckDB allows one writer: a GUI open on the same file holds it.
    const hint = /lock/i.test(stderrTail) ? ' (is `pomona lightly gui` open on it? stop it first)' : '';
    throw new Error(
      `push to ${plan.dbFile} failed (exit code ${result.exitCode}): ${error.replace(/^error: /, '')}${hint}`,
    );
  }
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return { plan, summary: JSON.parse(line) as PushSummary, wallSeconds: (Date.now() - started) / 1000 };
}
