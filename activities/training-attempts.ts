// The round's training attempts log, `rounds/<n>/train/attempts.jsonl`: one JSON line when an attempt
// starts (which checkpoint it resumes from, which worker process runs it), one per epoch it completes,
// one when it ends. train_log.csv holds the epochs of the final model only (a resume rewrites it from the
// checkpoint); this log keeps the work each attempt really did, so "how much did a crash cost" is a fact
// on disk, not a guess. Lines are appended (one write each, O_APPEND); a reader ignores a torn last line
// left by a killed worker.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export const ATTEMPTS_LOG = 'attempts.jsonl';

export type AttemptRecord =
  | { event: 'start'; attempt: number; pid: number; resumeFrom: number; at: string }
  | { event: 'epoch'; attempt: number; epoch: number; checkpoint: string | null; at: string }
  | { event: 'end'; attempt: number; outcome: 'done' | 'failed' | 'cancelled'; message?: string; at: string };

type WithoutTime<T> = T extends unknown ? Omit<T, 'at'> : never;

export async function appendAttemptRecord(trainDir: string, record: WithoutTime<AttemptRecord>): Promise<void> {
  await fs.mkdir(trainDir, { recursive: true });
  await fs.appendFile(
    path.join(trainDir, ATTEMPTS_LOG),
    `${JSON.stringify({ ...record, at: new Date().toISOString() })}\n`,
  );
}

export async function readAttemptRecords(trainDir: string): Promise<AttemptRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(trainDir, ATTEMPTS_LOG), 'utf8');
  } catch {
    return [];
  }
  const records: AttemptRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as AttemptRecord);
    } catch {
      // a line torn by a kill mid-write
    }
  }
  return records;
}

export interface AttemptsSummary {
  /** One entry per start record, in order. */
  attempts: { attempt: number; pid: number; resumeFrom: number; epochsCompleted: number[]; outcome: string | null }[];
  /** Epochs completed in all attempts together. */
  epochsRun: number;
  /**
   * Completed epochs a later attempt ran again: for each attempt, the epochs an earlier attempt had already
   * completed beyond the checkpoint it resumed from. A kill also loses the epoch in progress (not counted
   * here: it never completed); so a crash costs at most `epochsRedone + 1` epochs, which the checkpoint
   * interval bounds: epochsRedone <= interval - 1 per crash.
   */
  epochsRedone: number;
}

export function summarizeAttempts(records: AttemptRecord[]): AttemptsSummary {
  const attempts: AttemptsSummary['attempts'] = [];
  for (const r of records) {
    if (r.event === 'start')
      attempts.push({ attempt: r.attempt, pid: r.pid, resumeFrom: r.resumeFrom, epochsCompleted: [], outcome: null });
    const current = attempts[attempts.length - 1];
    if (!current) continue;
    if (r.event === 'epoch') current.epochsCompleted.push(r.epoch);
    if (r.event === 'end') current.outcome = r.outcome;
  }
  let epochsRedone = 0;
  let highest = 0;
  for (const a of attempts) {
    epochsRedone += Math.max(0, highest - a.resumeFrom);
    for (const e of a.epochsCompleted) highest = Math.max(highest, e);
  }
  return { attempts, epochsRun: attempts.reduce((n, a) => n + a.epochsCompleted.length, 0), epochsRedone };
}
