// The pomona checkout this code runs from (source via ts-jest/tsx, or compiled under dist/): the folder
// holding pomona's package.json. Used to find .venv, .tools and the trainer.
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export function repositoryRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pomona'
    ) {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`pomona's package.json not found above ${__dirname}`);
    dir = parent;
  }
}
