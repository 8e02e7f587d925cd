// deepforest's data folder: real aerial photographs with Pascal VOC tree-crown boxes, installed (--no-deps,
// never imported) into .venv by `npm install` (scripts/setup.js). Tests that need it fail without it, so
// a missing setup is seen rather than skipped.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainerPython } from '../../activities/trainer-process';

export function deepforestDataDir(): string {
  const python = trainerPython();
  let dir: string;
  try {
    // find_spec locates the package without importing it (its import needs dependencies not installed).
    const code =
      "import importlib.util,os;s=importlib.util.find_spec('deepforest');print(os.path.join(os.path.dirname(s.origin),'data') if s else '')";
    dir = execFileSync(python, ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new Error(
      `deepforest's data folder not found: ${python} failed (${(err as Error).message.split('\n')[0]}); \`npm install\` sets up .venv with it`,
      { cause: err },
    );
  }
  if (!dir || !fs.existsSync(path.join(dir, 'OSBS_029.xml'))) {
    throw new Error(
      `deepforest's data folder not found in ${python}'s environment${dir ? ` (no ${path.join(dir, 'OSBS_029.xml')})` : ''}; \`npm install\` sets it up (scripts/setup.js installs deepforest --no-deps into .venv)`,
    );
  }
  return dir;
}
