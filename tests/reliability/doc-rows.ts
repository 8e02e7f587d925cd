// The case ids of docs/reliability.md's bad-input table (first column, in backticks), so the table
// tests can require a documented row for each case they pin.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../core/io/repository-root';

export function docRowIds(): Set<string> {
  const text = fs.readFileSync(path.join(repositoryRoot(), 'docs', 'reliability.md'), 'utf8');
  return new Set([...text.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]));
}
