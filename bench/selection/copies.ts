// Pools with exact copies (#14): CORESET and CORAL picking K of N rows, L of them labelled (the centres
// from the start, as from round 2 on), on three pools of the same size, timed in one run:
// - distinct: clustered unit rows (rows.ts), the reference;
// - half copies: every second row a copy of a labelled row (a pool with many duplicate images);
// - all copies: every row the same (a folder of one image copied, as the round-at-scale bench's pool is).
// A copy of a centre is at distance 0, which float32 cannot tell from a near-copy; before the engine settled
// such rows with one exact distance, the all-copies pool compared every row with every centre (73.5 s for
// CORAL at a million rows in the round at scale). Prints each time and its ratio to the distinct pool's.
//   npx tsx bench/selection/copies.ts [--rows 200000] [--dim 64] [--labelled 1000] [--select 1000] [--repeats 2]
import { Command } from 'commander';
import { allocateEmbeddingValues } from '../../core/selection/distance-filter';
import type { Embeddings } from '../../core/selection/embeddings-csv';
import { mulberry32 } from '../../core/selection/random';
import { selectRows } from '../../core/selection/select';
import { generateRows } from './rows';

const opts = new Command()
  .option('--rows <n>', 'pool rows', Number, 200_000)
  .option('--dim <n>', 'embedding width', Number, 64)
  .option('--labelled <n>', 'labelled rows (centres from the start), spread over the pool', Number, 1000)
  .option('--select <n>', 'rows each method picks', Number, 1000)
  .option('--repeats <n>', 'runs of each method per pool (the best is reported)', Number, 2)
  .option('--pools <list>', 'some of: distinct, half, all', 'distinct,half,all')
  .parse()
  .opts<{ rows: number; dim: number; labelled: number; select: number; repeats: number; pools: string }>();

const POOLS = ['distinct', 'half copies', 'all copies'] as const;
const METHODS = ['CORESET', 'CORAL'] as const;

const n = opts.rows;
const dim = opts.dim;
const step = Math.max(1, Math.floor(n / opts.labelled));
const labelled = Array.from({ length: Math.min(opts.labelled, n) }, (_, j) => j * step);
const isLabelled = new Uint8Array(n);
for (const i of labelled) isLabelled[i] = 1;
const candidates = Array.from({ length: n }, (_, i) => i).filter((i) => !isLabelled[i]);
const rand = mulberry32(7);
const scores = Float64Array.from({ length: n }, () => rand());
const distinct = generateRows('clustered', n, dim, 11);

/** The pool's rows as the loop holds them: float32, where the kernel reads them in place. */
function poolRows(pool: (typeof POOLS)[number]): Embeddings {
  const data = allocateEmbeddingValues(n, dim);
  for (let i = 0; i < n; i++) {
    // half copies: odd rows copy the labelled row before them; all copies: every row copies row 0
    const from = pool === 'all copies' ? 0 : pool === 'half copies' && i % 2 === 1 ? Math.floor(i / step) * step : i;
    for (let t = 0; t < dim; t++) data[i * dim + t] = distinct[from * dim + t];
  }
  return { filenames: Array.from({ length: n }, (_, i) => `img${i}.png`), dim, data };
}

const seconds: Record<string, number> = {};
const chosen = POOLS.filter((p) => opts.pools.split(',').includes(p.split(' ')[0]));
for (const pool of chosen) {
  const embeddings = poolRows(pool);
  for (const method of METHODS) {
    let best = Infinity;
    for (let r = 0; r < opts.repeats; r++) {
      const started = performance.now();
      const picks = selectRows({
        method,
        embeddings,
        preselected: labelled,
        candidates,
        count: opts.select,
        seed: 0,
        scores,
      });
      best = Math.min(best, (performance.now() - started) / 1000);
      if (picks.length !== Math.min(opts.select, candidates.length))
        throw new Error(`${method}: ${picks.length} picks`);
    }
    seconds[`${pool}/${method}`] = best;
    console.error(`${pool} ${method}: ${best.toFixed(2)} s`);
  }
}

console.log(
  `\n${n} rows x ${dim}, ${labelled.length} labelled, ${opts.select} picked, best of ${opts.repeats}; ${new Date().toISOString()}\n`,
);
console.log('| pool | CORESET s | vs distinct | CORAL s | vs distinct |');
console.log('|---|---|---|---|---|');
for (const pool of chosen) {
  const cells = METHODS.flatMap((m) => {
    const s = seconds[`${pool}/${m}`];
    const reference = seconds[`distinct/${m}`];
    return [s.toFixed(2), reference ? `${(s / reference).toFixed(2)}x` : '-'];
  });
  console.log(`| ${pool} | ${cells.join(' | ')} |`);
}
