// The README's Temporal CLI commands, run with the real `temporal` binary against a real dev server and
// real workers: start a loop, query status, signal annotations, stop.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopStatus } from '../../workflows/messages';
import { temporalCli } from '../helpers/dev-server';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';

jest.setTimeout(600_000);

const loopEnv = useLoopEnvironment();

// Asynchronous on purpose: the workers run in this process and must keep answering while the CLI waits.
async function temporal(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(temporalCli, [...args, '--address', loopEnv().address], { encoding: 'utf8' });
  return stdout;
}

async function queryStatus(id: string): Promise<LoopStatus> {
  const out = JSON.parse(await temporal('workflow', 'query', '-w', id, '--name', 'status', '--output', 'json')) as { queryResult: LoopStatus[] };
  return out.queryResult[0];
}

async function waitForStatus(id: string, predicate: (s: LoopStatus) => boolean): Promise<LoopStatus> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const s = await queryStatus(id);
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(s)}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('start, query, signal annotations and stop a loop with the temporal CLI', async () => {
  const workspace = tempWorkspace();
  const configFile = path.join(workspace, 'loop.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      project: 'cli',
      workspace,
      dataset: { path: tinyOrchard(24, 2) },
      selection: { initial: { method: 'RANDOM', size: { nTotal: 5 } }, rounds: { method: 'RANDOM', size: { batchSize: 5 } } },
      embedding: { epochs: 1, dim: 8 },
      trainer: { minSteps: 0, epochs: 2, checkpointInterval: 1, device: 'cpu', inputSize: '128x64' },
      stop: { maxRounds: 3 },
    }),
  );
  await temporal('workflow', 'start', '--type', 'activeLearningLoop', '--task-queue', 'pomona-cpu', '--workflow-id', 'pomona-cli', '--input-file', configFile);

  const waiting = await waitForStatus('pomona-cli', (s) => s.phase === 'awaiting-annotation');
  expect(waiting.pendingBatch?.round).toBe(1);
  const labelsDir = await writeGroundTruthLabels(waiting);
  await temporal('workflow', 'signal', '-w', 'pomona-cli', '--name', 'annotationsSubmitted', '--input', JSON.stringify({ round: 1, labelsDir }));

  const trained = await waitForStatus('pomona-cli', (s) => s.labelled === 5 && s.round === 2);
  expect(trained.metrics).toHaveLength(1);
  await temporal('workflow', 'signal', '-w', 'pomona-cli', '--name', 'stop');

  const result = JSON.parse(await temporal('workflow', 'result', '-w', 'pomona-cli', '--output', 'json')) as { status: string; result: { stopReason: string; labelled: number } };
  expect(result.status).toMatch(/COMPLETED/);
  expect(result.result).toMatchObject({ stopReason: 'stop-signal', labelled: 5 });

  const listed = await temporal('workflow', 'list', '--query', "WorkflowType='activeLearningLoop' AND PomonaProject='cli'");
  expect(listed).toContain('pomona-cli');
});
