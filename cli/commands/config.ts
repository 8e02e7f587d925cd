// `pomona config schema|check`: the loop config's JSON Schema, and validation of a config file.
import type { Command } from 'commander';
import { z } from 'zod';
import { loopConfigSchema } from '../../core/config/loop-config';
import { readLoopConfig } from './start';

export function loopConfigJsonSchema(): object {
  return z.toJSONSchema(loopConfigSchema, { io: 'input', target: 'draft-2020-12' });
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('the loop configuration');
  config
    .command('schema')
    .description('print the JSON Schema of the loop config')
    .action(() => {
      console.log(JSON.stringify(loopConfigJsonSchema(), null, 2));
    });
  config
    .command('check')
    .argument('<file>', 'config JSON')
    .description('validate a config file and print it with defaults filled in')
    .action(async (file: string) => {
      console.log(JSON.stringify(await readLoopConfig(file), null, 2));
    });
}
