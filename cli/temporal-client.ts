// A Temporal client for CLI commands, configured from the same environment as the workers.
import { Client, Connection } from '@temporalio/client';
import { temporalTargetFromEnv } from '../worker/connection-options';
import { CliError } from './cli-error';

export async function connectClient(): Promise<Client> {
  const target = temporalTargetFromEnv();
  try {
    const connection = await Connection.connect({
      address: target.address,
      tls: target.tls,
      apiKey: target.apiKey,
      connectTimeout: '5s',
    });
    return new Client({
      connection,
      namespace: target.namespace,
      dataConverter: { payloadCodecs: target.payloadCodecs },
    });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${target.address} (${(err as Error).message}); start it with \`npx pomona server start\` or set TEMPORAL_ADDRESS`,
    );
  }
}

/** Workflow id of a project's loop: `pomona-<project>`. */
export function loopWorkflowId(project: string): string {
  return `pomona-${project}`;
}

/** Accepts a project name or a full workflow id. */
export function resolveWorkflowId(idOrProject: string): string {
  return idOrProject.startsWith('pomona-') ? idOrProject : loopWorkflowId(idOrProject);
}
