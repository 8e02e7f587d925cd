// Rewrites docs/selection-speed.md from stored results, merging the sizes of several runs (each size keeps
// its own run's date and load average), e.g. after running a slow size on its own:
//   npx tsx bench/selection/regenerate.ts bench/selection/results.json [more.json ...] [--doc FILE] [--out FILE]
// --out also writes the merged results (the first file's machine; the runs' dates joined).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { repositoryRoot } from '../../core/io/repository-root';
import { writeSelectionSpeedReport, type SelectionSpeedResults } from './report';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { doc: { type: 'string' }, out: { type: 'string' } },
});
if (positionals.length === 0) throw new Error('give one or more results files');
const runs = positionals.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as SelectionSpeedResults);
const valuesOf = (r: SelectionSpeedResults) => r.values ?? 'float64';
if (new Set(runs.map(valuesOf)).size > 1)
  throw new Error(`runs with different --values (${runs.map(valuesOf).join(', ')}) cannot share one page`);
const merged: SelectionSpeedResults = {
  ...runs[0],
  date: runs.map((r) => r.date).join(' and '),
  repeat: Math.min(...runs.map((r) => r.repeat)),
  sizes: runs.flatMap((r) =>
    r.sizes.map((s) => ({
      ...s,
      date: s.date ?? r.date,
      loadAverageAtStart: s.loadAverageAtStart ?? (r.machine.loadAverageAtStart as number[]),
    })),
  ),
  peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)) || undefined,
};
if (values.out) fs.writeFileSync(values.out, JSON.stringify(merged, null, 1) + '\n');
writeSelectionSpeedReport(merged, values.doc ?? path.join(repositoryRoot(), 'docs', 'selection-speed.md'));
