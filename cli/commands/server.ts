// `pomona server start|stop|status`: the local Temporal dev server (infra/temporal-dev-server.sh).
import type { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';
import { CliError } from '../cli-error';

export function runDevServerScript(action: 'start' | 'stop' | 'status'): void {
  try {
    execFileSync(path.join(repositoryRoot(), 'infra', 'temporal-dev-server.sh'), [action], { stdio: 'inherit' });
  } catch (err) {
    throw new CliError(`server ${action} failed`, (err as { status?: number }).status ?? 1);
  }
}

export function registerServer(program: Command): void {
  const server = program
    .command('server')
    .description('the local Temporal dev server (SQLite file under .pomona/, Web UI on :8233)');
  server
    .command('start')
    .description('start it unless it is running')
    .action(() => runDevServerScript('start'));
  server
    .command('stop')
    .description('stop the server this checkout started')
    .action(() => runDevServerScript('stop'));
  server
    .command('status')
    .description('is it running?')
    .action(() => runDevServerScript('status'));
}
