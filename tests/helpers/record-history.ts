// Stores the histories of a test's loop for tests/replay, when asked: POMONA_RECORD_HISTORIES=DIR makes
// recordHistories write every run of the workflow (following continue-as-new) to DIR/NAME-run<N>.json.
// Without it, nothing is written: the tests that call it pass or fail on their own assertions.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function recordHistories(client: Client, workflowId: string, name: string): Promise<string[]> {
  const dir = process.env.POMONA_RECORD_HISTORIES;
  if (!dir) return [];
  fs.mkdirSync(dir, { recursive: true });
  const description = await client.workflow.getHandle(workflowId).describe();
  let runId: string | undefined = description.raw.workflowExecutionInfo?.firstRunId ?? undefined;
  const written: string[] = [];
  for (let run = 1; runId; run++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const file = path.join(dir, `${name}-run${run}.json`);
    fs.writeFileSync(file, historyToJSON(history) + '\n');
    written.push(file);
    const last = history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return written;
}
