// The attempts log: appended records read back in order, a line torn by a kill skipped, and the
// re-done epoch count of a history with two crashes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendAttemptRecord, ATTEMPTS_LOG, readAttemptRecords, summarizeAttempts } from './training-attempts';

test('records read back in order; a torn last line is skipped; re-done epochs counted per crash', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-attempts-'));
  expect(await readAttemptRecords(dir)).toEqual([]);
  // Attempt 1 completes epochs 1-6 (checkpoints every 4) and dies; attempt 2 resumes from 4, completes
  // 5-9 and dies; attempt 3 resumes from 8 and finishes at 10.
  await appendAttemptRecord(dir, { event: 'start', attempt: 1, pid: 11, resumeFrom: 0 });
  for (let e = 1; e <= 6; e++)
    await appendAttemptRecord(dir, {
      event: 'epoch',
      attempt: 1,
      epoch: e,
      checkpoint: e % 4 === 0 ? `epoch_00${e}.pt` : null,
    });
  await appendAttemptRecord(dir, { event: 'start', attempt: 2, pid: 12, resumeFrom: 4 });
  for (let e = 5; e <= 9; e++)
    await appendAttemptRecord(dir, { event: 'epoch', attempt: 2, epoch: e, checkpoint: null });
  await appendAttemptRecord(dir, { event: 'start', attempt: 3, pid: 13, resumeFrom: 8 });
  for (let e = 9; e <= 10; e++)
    await appendAttemptRecord(dir, { event: 'epoch', attempt: 3, epoch: e, checkpoint: null });
  await appendAttemptRecord(dir, { event: 'end', attempt: 3, outcome: 'done' });
  fs.appendFileSync(path.join(dir, ATTEMPTS_LOG), '{"event":"epo');

  const records = await readAttemptRecords(dir);
  expect(records).toHaveLength(17);
  expect(records.every((r) => typeof r.at === 'string')).toBe(true);
  const summary = summarizeAttempts(records);
  expect(summary.attempts.map((a) => [a.pid, a.resumeFrom, a.epochsCompleted.length, a.outcome])).toEqual([
    [11, 0, 6, null],
    [12, 4, 5, null],
    [13, 8, 2, 'done'],
  ]);
  // Epochs 5-6 ran again in attempt 2, epoch 9 again in attempt 3.
  expect(summary).toMatchObject({ epochsRun: 13, epochsRedone: 3 });
});
