// `pomona label-studio start|stop|status`: the local Label Studio server loops with
// `annotation.tool: "label-studio"` hand their batches to (cli/label-studio/label-studio-server.ts);
// `pomona label-studio webhooks`: the receiver that turns its webhooks into signals (worker/label-studio-webhooks.ts).
import type { Command } from 'commander';
import { CliError } from '../cli-error';
import {
  DEFAULT_LABEL_STUDIO_PORT,
  defaultLabelStudioStateDir,
  runningLabelStudio,
  startLabelStudio,
  stopLabelStudio,
  type RunningLabelStudio,
} from '../label-studio/label-studio-server';
import { integer } from '../option-parsers';
import { connectClient } from '../temporal-client';
import { WEBHOOK_SECRET_ENV, WEBHOOK_URL_ENV } from '../../activities/label-studio/hand-off';
import { startWebhookReceiver } from '../../worker/label-studio-webhooks';

export const DEFAULT_WEBHOOK_PORT = 8092;

function describe(server: RunningLabelStudio): string {
  return [
    `Label Studio running at ${server.url} (pid ${server.pid}; log ${server.logFile})`,
    `  sign in as ${server.user}, password in ${server.passwordFile}`,
    `  images served from under ${server.filesRoot}`,
    `  workers need its API token in their environment:`,
    `    export LABEL_STUDIO_API_KEY="$(cat ${server.tokenFile})"`,
  ].join('\n');
}

export function registerLabelStudio(program: Command): void {
  const ls = program
    .command('label-studio')
    .description('the local Label Studio server for annotation.tool "label-studio" (SQLite under .pomona/)');
  ls.command('start')
    .description('start it unless it is running; prints its URL and how workers get the token')
    .option('--port <n>', 'port on 127.0.0.1 (refused if taken)', integer(1, 65535), DEFAULT_LABEL_STUDIO_PORT)
    .option('--files-root <dir>', 'only images under this folder can be shown (the workspace, say)', '/')
    .option('--state-dir <dir>', 'database, log and credentials', defaultLabelStudioStateDir())
    .action(async (opts: { port: number; filesRoot: string; stateDir: string }) => {
      try {
        console.log(describe(await startLabelStudio(opts)));
      } catch (err) {
        throw new CliError(`label-studio start: ${(err as Error).message}`);
      }
    });
  ls.command('stop')
    .description('stop the server this state folder started')
    .option('--state-dir <dir>', 'database, log and credentials', defaultLabelStudioStateDir())
    .action(async (opts: { stateDir: string }) => {
      console.log(
        (await stopLabelStudio(opts)) ? 'Label Studio stopped' : `no Label Studio running from ${opts.stateDir}`,
      );
    });
  ls.command('webhooks')
    .description(
      `receive Label Studio's webhooks and signal the loops (secret: ${WEBHOOK_SECRET_ENV}); runs until Ctrl-C`,
    )
    .option('--port <n>', 'port to listen on', integer(1, 65535), DEFAULT_WEBHOOK_PORT)
    .option('--host <address>', 'address to listen on (loopback unless Label Studio runs elsewhere)', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      const secret = process.env[WEBHOOK_SECRET_ENV];
      if (!secret)
        throw new CliError(
          `label-studio webhooks: set ${WEBHOOK_SECRET_ENV} (any long random string) here and in the CPU worker's environment`,
          2,
        );
      const client = await connectClient();
      const receiver = await startWebhookReceiver({ client, secret, port: opts.port, host: opts.host });
      console.error(
        `pomona: receiving Label Studio webhooks at ${receiver.url}/<workflow id>; give the CPU worker ${WEBHOOK_URL_ENV}=${receiver.url} and the same ${WEBHOOK_SECRET_ENV}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await receiver.close();
      await client.connection.close();
    });
  ls.command('status')
    .description('is it running? (exit 3 if not)')
    .option('--state-dir <dir>', 'database, log and credentials', defaultLabelStudioStateDir())
    .action(async (opts: { stateDir: string }) => {
      const server = await runningLabelStudio(opts);
      if (!server) throw new CliError(`no Label Studio running from ${opts.stateDir}`, 3);
      console.log(describe(server));
    });
}
