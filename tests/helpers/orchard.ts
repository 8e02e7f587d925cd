// Small synthetic orchards for tests, made by the project's own generator (deterministic per seed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesizeOrchard } from '../../cli/commands/dataset';

export function tinyOrchard(count = 32, seed = 1): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-orchard-'));
  synthesizeOrchard({ out: dir, count, seed, width: 160, height: 96 });
  return dir;
}

export function tempWorkspace(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-ws-'));
}
