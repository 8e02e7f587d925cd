// A real Temporal dev server for tests: the pinned `temporal` binary from .tools/ (never a download),
// on a free port, with pomona's search attributes registered.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { PomonaMap50, PomonaPhase, PomonaProject, PomonaRound } from '../../workflows/search-attributes';

export const temporalCli = path.join(repositoryRoot(), '.tools', 'temporal', 'bin', 'temporal');

let runtimeInstalled = false;

/** Workers and workflows log warnings and errors only, once per test file. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      searchAttributes: [PomonaProject, PomonaPhase, PomonaRound, PomonaMap50],
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.join(repositoryRoot(), 'workflows', 'index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}
