// What the Label Studio activities share: the client from the worker's environment, the loop's project
// (found again by id or exact title, so a retried hand-off never makes a second one), its round's tasks,
// and Label Studio's failures as pomona's error types.
import { ApplicationFailure } from '@temporalio/common';
import { labelConfig } from '../../core/formats/label-studio';
import { ErrorType } from '../../core/errors';
import type { LabelStudioTarget } from '../types';
import {
  LabelStudioClient,
  LabelStudioError,
  type LabelStudioProject,
  type LabelStudioTask,
} from './label-studio-client';

export function clientFor(target: LabelStudioTarget): LabelStudioClient {
  try {
    return LabelStudioClient.fromEnvironment(target.url);
  } catch (err) {
    throw asFailure(err);
  }
}

/** The loop's project: the id given, or the one with exactly this title, created when there is none. */
export async function ensureProject(
  client: LabelStudioClient,
  target: LabelStudioTarget,
  classes: readonly string[],
  description: string,
): Promise<LabelStudioProject> {
  if (typeof target.project === 'number') return client.project(target.project);
  const [found] = await client.projectsTitled(target.project);
  return found ?? client.createProject(target.project, labelConfig(classes), description);
}

/** The project's tasks for one round (pomona writes the round into each task's data). */
export async function roundTasks(
  client: LabelStudioClient,
  project: number,
  round: number,
): Promise<LabelStudioTask[]> {
  return (await client.tasks(project)).filter((t) => t.data?.pomona_round === round);
}

export function projectPage(target: LabelStudioTarget, project: number): string {
  return `${target.url.replace(/\/+$/, '')}/projects/${project}/data`;
}

/**
 * Label Studio silent or failing on its side (no answer, 5xx, 429) is an outage: retried. Any other refusal
 * (401 bad token, 404 no such project, 400 a folder outside its files root) needs an operator: not retried
 * by Temporal, though the loop tries again at its next poll, after the fix.
 */
export function asFailure(err: unknown): unknown {
  if (!(err instanceof LabelStudioError)) return err;
  const outage = !err.refused;
  const token = err.status === 401 || err.status === 403 ? ' (is LABEL_STUDIO_API_KEY the token of this server?)' : '';
  return ApplicationFailure.create({
    type: outage ? ErrorType.LabelStudioUnavailable : ErrorType.LabelStudioRefused,
    message: err.message + token,
    nonRetryable: !outage,
  });
}

/** Runs a Label Studio activity's body with its failures typed. */
export async function withLabelStudioFailures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asFailure(err);
  }
}
