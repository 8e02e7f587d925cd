// Selection speed: pomona's CORESET (k-center greedy) against a NumPy reference and Lightly's own engine
// (lightly-mundig) on identical embeddings of each kind (rows.ts: gaussian, clustered), in one run; checks that the picks are identical and
// prints the time ratios; writes bench/selection/results.json and docs/selection-speed.md (report.ts).
//   npx tsx bench/selection/run.ts [--sizes 100000x32x1000,200000x512x200,1000000x64x1000] [--repeat 2] [--quick]
//     [--kinds gaussian,clustered]
//     [--methods numpy-direct,numpy-blas,lightly-mundig | none] [--values float32|float64] [--out FILE] [--doc FILE]
// Every method picks k rows from nothing selected (first pick row 0, ties to the lowest index); times are
// the best of --repeat runs of the selection alone (not data generation or loading).
// --values float32 (the default): the rows are rounded to float32, as the loop stores embeddings, and pomona
// gets them where the loop's reader puts them (embeddings-matrix.ts: in the selection kernel's memory,
// allocateEmbeddingValues); the NumPy methods get the same values as float64 and compute in float64.
// float64: every method gets the float64 rows (pomona's kernel then rounds a copy to float32).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { trainerPython } from '../../activities/trainer-process';
import { repositoryRoot } from '../../core/io/repository-root';
import { greedySelect } from '../../core/selection/coreset';
import { allocateEmbeddingValues, distanceFilterModule } from '../../core/selection/distance-filter';
import type { EmbeddingValues } from '../../core/selection/embeddings-csv';
import {
  sizeRows,
  writeSelectionSpeedReport,
  type MethodResult,
  type SelectionSpeedResults,
  type SizeResult,
} from './report';
import { generateRows, ROW_KINDS, type RowKind } from './rows';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000x32x1000,200000x512x200,1000000x64x1000' },
    repeat: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    kinds: { type: 'string', default: ROW_KINDS.join(',') },
    methods: { type: 'string', default: 'numpy-direct,numpy-blas,lightly-mundig' },
    values: { type: 'string', default: 'float32' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    doc: { type: 'string' },
  },
});

const root = repositoryRoot();
const quick = values.quick;
const sizes = (quick ? '20000x32x200,20000x256x50' : values.sizes).split(',').map((s) => {
  const [n, dim, k] = s.split('x').map(Number);
  if (![n, dim, k].every((v) => Number.isInteger(v) && v > 0) || k > n)
    throw new Error(`--sizes: "${s}" is not NxDxK with K <= N`);
  return { n, dim, k };
});
const kinds = values.kinds.split(',').map((kind) => {
  if (!(ROW_KINDS as readonly string[]).includes(kind))
    throw new Error(`--kinds: "${kind}" is not one of ${ROW_KINDS.join(', ')}`);
  return kind as RowKind;
});
if (values.values !== 'float32' && values.values !== 'float64') throw new Error('--values: float32 or float64');
const float32Values = values.values === 'float32';
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat: a positive integer');
const outFile = values.out ?? path.join(root, 'bench', 'selection', quick ? 'results-quick.json' : 'results.json');
const docFile = values.doc ?? (quick ? null : path.join(root, 'docs', 'selection-speed.md'));
if (!distanceFilterModule()) throw new Error('dist/distance-filter.wasm is missing: run npm run build first');

function timePomona(data: EmbeddingValues, n: number, dim: number, k: number, kernel: 'auto' | 'exact'): MethodResult {
  const e = { filenames: Array.from({ length: n }, (_, i) => String(i)), dim, data };
  const seconds: number[] = [];
  let picks: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    picks = greedySelect(e, { batchSize: k }, undefined, kernel).picks;
    seconds.push((performance.now() - start) / 1000);
  }
  return { seconds, picks };
}

function runReferences(
  file: string,
  n: number,
  dim: number,
  k: number,
): Record<string, MethodResult | { error: string }> {
  const out = path.join(os.tmpdir(), `pomona-selection-reference-${process.pid}.json`);
  const args = [
    path.join(root, 'bench', 'selection', 'reference.py'),
    '--file',
    file,
    '--n',
    String(n),
    '--dim',
    String(dim),
    '--k',
    String(k),
  ];
  const proc = spawnSync(
    trainerPython(),
    [...args, '--repeat', String(repeat), '--methods', values.methods, '--out', out],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (proc.status !== 0) throw new Error(`reference.py failed (exit ${proc.status ?? proc.signal})`);
  const results = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, MethodResult | { error: string }>;
  fs.rmSync(out, { force: true });
  return results;
}

function pythonVersions(): Record<string, string> {
  const code =
    'import json, numpy\ntry:\n from importlib.metadata import version\n m = version("lightly-mundig")\nexcept Exception:\n m = "not installed"\nc = numpy.show_config(mode="dicts")\nprint(json.dumps({"numpy": numpy.__version__, "blas": c["Build Dependencies"]["blas"]["name"] + " " + c["Build Dependencies"]["blas"]["version"], "lightly-mundig": m}))';
  const proc = spawnSync(trainerPython(), ['-c', code], { encoding: 'utf8' });
  return proc.status === 0 ? (JSON.parse(proc.stdout) as Record<string, string>) : {};
}

const results: SelectionSpeedResults = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    ...pythonVersions(),
  },
  repeat,
  values: float32Values ? 'float32' : 'float64',
  sizes: [],
};
let allIdentical = true;
for (const { n, dim, k } of sizes)
  for (const kind of kinds) {
    console.error(
      `[bench:selection] ${kind} N=${n} D=${dim} k=${k}: generating, then pomona, pomona (exact only), ${values.methods}`,
    );
    const started = new Date().toISOString();
    const load = os.loadavg().map((l) => Number(l.toFixed(2)));
    // The same seed for both kinds: the clustered rows are the Gaussian ones moved towards their centres.
    const generated = generateRows(kind, n, dim, Number(values.seed) + n + dim);
    let data: EmbeddingValues = generated;
    if (float32Values) {
      data = allocateEmbeddingValues(n, dim);
      data.set(generated);
    }
    const file = path.join(os.tmpdir(), `pomona-selection-${process.pid}.f64`);
    // The references read float64: for float32 values, the float32 numbers widened (exactly).
    fs.writeFileSync(file, new Uint8Array((float32Values ? new Float64Array(data) : generated).buffer));
    const pomona = timePomona(data, n, dim, k, 'auto');
    const methods: SizeResult['methods'] = { pomona, 'pomona-exact': timePomona(data, n, dim, k, 'exact') };
    try {
      if (values.methods !== 'none') Object.assign(methods, runReferences(file, n, dim, k));
    } finally {
      fs.rmSync(file, { force: true });
    }
    const size: SizeResult = {
      kind,
      n,
      dim,
      k,
      date: started,
      loadAverageAtStart: load,
      methods,
    };
    results.sizes.push(size);
    const reference = methods['numpy-direct'];
    // Without references (--methods none) there is nothing to compare; a reference that ran must agree.
    if (reference && (!('picks' in reference) || JSON.stringify(reference.picks) !== JSON.stringify(pomona.picks)))
      allIdentical = false;
  }
results.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
const summary = writeSelectionSpeedReport(results, docFile);
// The picks themselves are compared above; the results file keeps their first 20 and how they compare.
const stored = {
  ...results,
  sizes: results.sizes.map((s) => ({
    ...s,
    methods: Object.fromEntries(
      Object.entries(s.methods).map(([name, m]) => [
        name,
        'picks' in m
          ? {
              seconds: m.seconds,
              picks: m.picks.slice(0, 20),
              picksAgreement: sizeRows(s).find((r) => r.name === name)?.picks,
            }
          : m,
      ]),
    ),
  })),
};
fs.writeFileSync(outFile, JSON.stringify(stored, null, 1) + '\n');
console.error(`[bench:selection] results: ${outFile}`);
console.log(summary);
if (!allIdentical) {
  console.error("[bench:selection] FAILED: pomona's picks differ from the NumPy float64 reference's");
  process.exit(1);
}
