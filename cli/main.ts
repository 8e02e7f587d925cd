// The `pomona` command line: one subcommand per file in cli/commands/.
import { Command, CommanderError } from 'commander';
import { ENCRYPTED_ENCODING, PAYLOAD_KEY_ENV } from '../worker/payload-codec';
import { CliError } from './cli-error';
import { endWithLauncher } from './end-with-launcher';
import { registerAnnotate } from './commands/annotate';
import { registerAnnotator } from './commands/annotator';
import { registerConfig } from './commands/config';
import { registerDataset } from './commands/dataset';
import { registerDemo } from './commands/demo';
import { registerEvaluate } from './commands/evaluate';
import { registerExport } from './commands/export';
import { registerLabelStudio } from './commands/label-studio';
import { registerLightly } from './commands/lightly';
import { registerPredict } from './commands/predict';
import { registerScores } from './commands/scores';
import { registerSelect } from './commands/select';
import { registerReport } from './commands/report';
import { registerServer } from './commands/server';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerTao } from './commands/tao';
import { registerWorker } from './commands/worker';

export function buildProgram(): Command {
  const program = new Command('pomona')
    .description('durable active learning for object detection, on Temporal')
    // A bad argument is answered in one line (commander's error, exit 2); --help shows the usage.
    .exitOverride();
  for (const register of [
    registerDemo,
    registerStart,
    registerStatus,
    registerAnnotate,
    registerAnnotator,
    registerDataset,
    registerEvaluate,
    registerPredict,
    registerExport,
    registerScores,
    registerSelect,
    registerConfig,
    registerReport,
    registerServer,
    registerLabelStudio,
    registerLightly,
    registerWorker,
    registerTao,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  endWithLauncher();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 1 ? 2 : err.exitCode);
    if (err instanceof CliError) {
      console.error(`pomona: ${err.message}`);
      process.exit(err.code);
    }
    // Anything else (a missing folder, a malformed file, a loop that does not exist) is told by its message;
    // the stack helps only whoever debugs pomona itself.
    const message = (err as Error).message ?? String(err);
    const hint = message.includes(`Unknown encoding: ${ENCRYPTED_ENCODING}`)
      ? ` (the loop's payloads are encrypted: set ${PAYLOAD_KEY_ENV} as the workers have it)`
      : '';
    console.error(process.env.POMONA_DEBUG ? err : `pomona: ${message}${hint}`);
    process.exit(1);
  }
}

if (require.main === module) void main(process.argv);
