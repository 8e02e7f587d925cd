// docs/config.md is generated from the schema; this fails when someone changes one without the other.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../core/io/repository-root';
import { renderConfigDocs } from '../scripts/config-docs';

test('docs/config.md matches the config schema (regenerate: npx tsx scripts/config-docs.ts)', () => {
  expect(fs.readFileSync(path.join(repositoryRoot(), 'docs', 'config.md'), 'utf8')).toBe(renderConfigDocs());
});
