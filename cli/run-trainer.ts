// The trainer's command line run from the CLI (`predict`, `export`): its JSON-line events on stdout, and a
// failure as one line: the trainer's exit code 2 is bad input, the user's to fix (exit code 2 here too).
import execa from 'execa';
import * as readline from 'node:readline';
import { trainerPython, type TrainerEvent } from '../activities/trainer-process';
import { CliError } from './cli-error';

export async function runTrainerCommand(
  args: string[],
  onEvent?: (event: TrainerEvent) => void,
): Promise<TrainerEvent[]> {
  const child = execa(trainerPython(), ['-m', 'pomona_trainer', ...args], { reject: false });
  const events: TrainerEvent[] = [];
  if (child.stdout) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as TrainerEvent;
      events.push(event);
      onEvent?.(event);
    });
  }
  const result = await child;
  if (result.exitCode === 0) return events;
  const last = result.stderr.trim().split('\n').pop() ?? '';
  throw new CliError(`trainer ${args[0]}: ${last.replace(/^error: /, '')}`, result.exitCode === 2 ? 2 : 1);
}
