// The label-efficiency benchmark's results file (run.ts writes it, report.ts reads it), and the merge of
// several files whose seeds were run in separate processes (`run.ts --first-seed S --seeds N`).
import type { Run } from './curve';

export interface BenchSettings {
  /** The pool kind (pools.ts); absent in files written before there was a choice (independent). */
  data?: string;
  pool: number;
  val: number;
  dataSeed: number;
  /** Seeds this file set out to run (a merged file: the seeds present). */
  seeds: number;
  strategies: string[];
  initial: number;
  batch: number;
  rounds: number;
  steps: number;
  inputSize: string;
  batchSize: number;
  score: string;
  /** sequences: `synth --length-spread` of the pool's rows (absent: every row the same length). */
  lengthSpread?: number;
  /** `:dedup` strategies' deduplication distance (absent when none ran). */
  dedupDistance?: number;
  device: string;
  /** `embed --features` and `train --backbone`; absent in older files (scene, scratch). */
  embedding?: string;
  backbone?: string;
}

/**
 * The pool's name in file names and titles: its kind, and `sequences-long-rows` for a sequence pool with rows
 * of unequal length (its results file is results-<label>.json, beside the equal-rows pool's).
 */
export const poolLabel = (s: Pick<BenchSettings, 'data' | 'lengthSpread'>): string =>
  (s.data ?? 'independent') + (s.lengthSpread ? '-long-rows' : '');

export interface BenchMachine {
  cpus: number;
  cpuModel: string;
  device: string;
  loadAverageAtStart: number[];
}

/** One process's share of a merged results file. */
export interface ResultsPart {
  started: string;
  wallSeconds: number;
  embedSeconds: number;
  machine: BenchMachine;
  /** The seeds whose loops this process ran. */
  seeds: number[];
  /** The strategies it ran (absent in parts merged before a part could add strategies: all of them). */
  strategies?: string[];
}

export interface BenchResults {
  settings: BenchSettings;
  machine: BenchMachine;
  started: string;
  /** The synthetic dataset (its scenes.json names each image's scene kind). */
  dataDir?: string;
  /** The scene kind of each pool image (synthetic pools): the report's coverage table, without the dataset. */
  poolScenes?: Record<string, string>;
  /** What the pool is and how it was made, one line (pools.ts). */
  dataDescription?: string;
  /** A merged file: the sum of the parts' wall times. */
  wallSeconds: number;
  embedSeconds: number;
  runs: (Run & { seconds: number; picks: string[][] })[];
  /** Present when the file merges several processes' results, in the order they were given. */
  parts?: ResultsPart[];
  /** How the run was made or checked, in words (`run.ts --report-only ... --note TEXT`); printed by the report. */
  notes?: string[];
}

const partsOf = (r: BenchResults): ResultsPart[] =>
  r.parts ?? [
    {
      started: r.started,
      wallSeconds: r.wallSeconds,
      embedSeconds: r.embedSeconds,
      machine: r.machine,
      seeds: [...new Set(r.runs.map((x) => x.seed))],
      strategies: [...new Set(r.runs.map((x) => x.strategy))],
    },
  ];

/**
 * Settings without `seeds` and `strategies`, keys sorted, for comparing the files to merge; `dedupDistance`
 * only belongs to files with `:dedup` strategies, so files without it join any (mergeResults checks the rest).
 */
function comparable(s: BenchSettings): string {
  const rest: Record<string, unknown> = { ...s };
  delete rest.seeds;
  delete rest.strategies;
  delete rest.dedupDistance;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((k) => [k, rest[k]]),
  );
}

/**
 * Results of the same settings (all but `seeds` and `strategies`) from separate processes as one file: the
 * runs together (a strategy and seed may appear only once; a strategy run later joins the others' seeds),
 * `seeds` counted from the runs present, `strategies` in the order first met, the wall time the
 * sum of the parts' (they ran one after another; `parts` keeps each one's start, wall time and machine).
 */
export function mergeResults(files: readonly BenchResults[]): BenchResults {
  if (!files.length) throw new Error('no results to merge');
  const [first] = files;
  for (const f of files.slice(1)) {
    if (comparable(f.settings) !== comparable(first.settings)) {
      throw new Error(
        `results to merge must have the same settings (but seeds): ${JSON.stringify(first.settings)} vs ${JSON.stringify(f.settings)}`,
      );
    }
  }
  const distances = [
    ...new Set(files.flatMap((f) => (f.settings.dedupDistance === undefined ? [] : [f.settings.dedupDistance]))),
  ];
  if (distances.length > 1)
    throw new Error(`results to merge deduplicate at different distances: ${distances.join(', ')}`);
  const runs = files.flatMap((f) => f.runs);
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${run.strategy} seed ${run.seed}`;
    if (seen.has(key)) throw new Error(`results to merge both contain ${key}`);
    seen.add(key);
  }
  const parts = files.flatMap(partsOf);
  return {
    ...first,
    settings: {
      ...first.settings,
      seeds: new Set(runs.map((x) => x.seed)).size,
      strategies: [...new Set(files.flatMap((f) => f.settings.strategies))],
      ...(distances.length ? { dedupDistance: distances[0] } : {}),
    },
    started: parts.map((p) => p.started).sort()[0],
    dataDir: files.find((f) => f.dataDir)?.dataDir,
    wallSeconds: parts.reduce((sum, p) => sum + p.wallSeconds, 0),
    runs,
    parts,
    notes: files.flatMap((f) => f.notes ?? []),
  };
}
