// `pomona select`: selection on a Lightly-style embeddings CSV; prints the chosen file names in pick order.
import type { Command } from 'commander';
import * as fs from 'node:fs/promises';
import { coresetSelect } from '../../core/selection/coreset';
import { readEmbeddingsCsv } from '../../core/selection/embeddings-csv';
import { randomSelect } from '../../core/selection/random';
import { CliError } from '../cli-error';

interface SelectOptions {
  embeddings: string;
  method: string;
  n?: number;
  nTotal?: number;
  preselected?: string;
  seed: number;
  minDistance?: number;
}

export function registerSelect(program: Command): void {
  program
    .command('select')
    .description('choose samples from an embeddings CSV (filenames,embedding_0..,labels) with RANDOM or CORESET')
    .requiredOption('--embeddings <file>', 'embeddings CSV')
    .option('--method <m>', 'RANDOM or CORESET', 'CORESET')
    .option('--n <count>', 'how many to add', Number)
    .option('--n-total <count>', 'labelled total after the selection (Lightly n_samples)', Number)
    .option('--preselected <file>', 'file names already labelled, one per line')
    .option('--seed <n>', 'seed for RANDOM', Number, 0)
    .option('--min-distance <d>', 'CORESET: stop when the farthest remaining sample is closer than this', Number)
    .action(async (opts: SelectOptions) => {
      const method = opts.method.toUpperCase();
      if (method !== 'RANDOM' && method !== 'CORESET') throw new CliError(`--method: "${opts.method}" is not RANDOM or CORESET`, 2);
      if ((opts.n === undefined) === (opts.nTotal === undefined)) throw new CliError('give exactly one of --n and --n-total', 2);
      const embeddings = await readEmbeddingsCsv(opts.embeddings);
      const index = new Map(embeddings.filenames.map((f, i) => [f, i]));
      const preselectedNames = opts.preselected ? (await fs.readFile(opts.preselected, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : [];
      const preselected = preselectedNames.map((name) => {
        const i = index.get(name);
        if (i === undefined) throw new CliError(`${opts.preselected}: ${name} is not in ${opts.embeddings}`, 2);
        return i;
      });
      const n = opts.n ?? Math.max(0, opts.nTotal! - preselected.length);
      const taken = new Set(preselected);
      const candidates = embeddings.filenames.flatMap((_, i) => (taken.has(i) ? [] : [i]));
      const picks =
        method === 'RANDOM'
          ? randomSelect(candidates, n, opts.seed)
          : coresetSelect(embeddings, { preselected, candidates, batchSize: n, minDistance: opts.minDistance }).picks;
      for (const i of picks) console.log(embeddings.filenames[i]);
    });
}
