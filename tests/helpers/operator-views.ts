// What an operator can see of a loop, for the tests that check secrets never reach it: each run's full
// history as `temporal workflow show` prints it, and every file written under some folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TemporalServerProcess } from './temporal-server-process';

export interface OperatorView {
  what: string;
  text: string;
}

/** Every regular file under `dir` (symlinks not followed: they point into the dataset). */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full);
    return e.isFile() ? [full] : [];
  });
}

/** Each run's history, `temporal workflow show --output json`. */
export async function historyViews(
  server: TemporalServerProcess,
  workflowId: string,
  runIds: string[],
): Promise<OperatorView[]> {
  const views: OperatorView[] = [];
  for (const runId of runIds)
    views.push({
      what: `workflow show ${runId}`,
      text: await server.cli('workflow', 'show', '-w', workflowId, '--run-id', runId, '--output', 'json'),
    });
  return views;
}

/** Every file under `dirs`, as text (binary files as latin1, so a secret inside them still shows). */
export function fileViews(...dirs: string[]): OperatorView[] {
  return dirs.flatMap(filesUnder).map((file) => ({ what: file, text: fs.readFileSync(file).toString('latin1') }));
}
