// A real Temporal dev server for tests: the pinned `temporal` binary from .tools/ (never a download),
// on a free port, with pomona's search attributes registered.
import { TestWorkflowEnvironment, type ClientOptionsForTestEnv } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
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

/** `client`: options of the environment's client (a payload codec, say). */
export async function startDevServer(client?: ClientOptionsForTestEnv): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return TestWorkflowEnvironment.createLocal({
    ...(client ? { client } : {}),
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      searchAttributes: [PomonaProject, PomonaPhase, PomonaRound, PomonaMap50],
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<{ code: string }> | undefined;

/**
 * The workflow bundle, once per test file: the prebuilt dist/workflow-bundle.js (`npm test` builds it first)
 * when no workflow source is newer, else bundled from source here (a few seconds).
 */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??=
    prebuiltBundle() ??
    bundleWorkflowCode({
      workflowsPath: path.join(repositoryRoot(), 'workflows', 'index.ts'),
      logger: new DefaultLogger('WARN'),
    });
  return bundle;
}

function prebuiltBundle(): Promise<{ code: string }> | undefined {
  const root = repositoryRoot();
  const built = path.join(root, 'dist', 'workflow-bundle.js');
  if (!fs.existsSync(built)) return undefined;
  // Workflow code imports workflows/ and core/ (and the trainer's defaults): any of them newer, bundle anew.
  const sources = [
    path.join(root, 'workflows'),
    path.join(root, 'core'),
    path.join(root, 'trainer', 'pomona_trainer', 'defaults.json'),
  ];
  if (newestChange(sources) > fs.statSync(built).mtimeMs) return undefined;
  return Promise.resolve({ code: fs.readFileSync(built, 'utf8') });
}

function newestChange(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    const stat = fs.statSync(p);
    const inside = stat.isDirectory() ? newestChange(fs.readdirSync(p).map((name) => path.join(p, name))) : 0;
    newest = Math.max(newest, stat.mtimeMs, inside);
  }
  return newest;
}
