import { mergeResults, type BenchResults } from './results';

const settings = {
  pool: 300,
  val: 100,
  dataSeed: 2000,
  seeds: 3,
  strategies: ['RANDOM', 'CORAL'],
  initial: 10,
  batch: 10,
  rounds: 1,
  steps: 30,
  inputSize: '320x192',
  batchSize: 16,
  score: 'uncertainty_entropy_mean',
  device: 'auto',
};

const part = (
  seeds: number[],
  planned: number,
  started: string,
  wallSeconds: number,
  dataDir?: string,
): BenchResults => ({
  settings: { ...settings, seeds: planned },
  machine: { cpus: 2, cpuModel: 'cpu', device: 'auto', loadAverageAtStart: [wallSeconds, 0, 0] },
  started,
  dataDir,
  wallSeconds,
  embedSeconds: 3,
  runs: seeds.flatMap((seed) =>
    settings.strategies.map((strategy) => ({
      strategy,
      seed,
      rounds: [{ labelled: 10, map50: 0.1 * seed }],
      picks: [['a']],
      seconds: 1,
    })),
  ),
});

describe('mergeResults', () => {
  test('joins disjoint seeds: runs together, seeds counted from the runs, wall times summed, each part kept', () => {
    // A 3-seed run cut short after 2 seeds, and the missing seed run alone (--first-seed 2 --seeds 1).
    const merged = mergeResults([
      part([0, 1], 3, '2026-01-01T10:00:00Z', 100),
      part([2], 1, '2026-01-01T12:00:00Z', 50, '/data'),
    ]);
    expect(merged.settings).toEqual({ ...settings, seeds: 3 });
    expect(merged.runs.map((x) => `${x.strategy}${x.seed}`)).toEqual([
      'RANDOM0',
      'CORAL0',
      'RANDOM1',
      'CORAL1',
      'RANDOM2',
      'CORAL2',
    ]);
    expect(merged.wallSeconds).toBe(150);
    expect(merged.started).toBe('2026-01-01T10:00:00Z');
    expect(merged.dataDir).toBe('/data');
    expect(merged.parts!.map((p) => [p.seeds, p.wallSeconds, p.machine.loadAverageAtStart[0]])).toEqual([
      [[0, 1], 100, 100],
      [[2], 50, 50],
    ]);
  });

  test('a merged file merges again with its parts kept', () => {
    const first = part([0], 1, 'a', 1);
    first.notes = ['seed 0 reproduced'];
    const merged = mergeResults([mergeResults([first, part([1], 1, 'b', 2)]), part([2], 1, 'c', 3)]);
    expect(merged.notes).toEqual(['seed 0 reproduced']);
    expect(merged.parts!.map((p) => p.seeds)).toEqual([[0], [1], [2]]);
    expect(merged.wallSeconds).toBe(6);
  });

  test('a part of :dedup strategies joins parts without a distance and keeps its own; two distances are refused', () => {
    const dedup = (distance: number) => {
      const p = part([0], 1, 'b', 5);
      p.settings = { ...p.settings, strategies: ['RANDOM:dedup'], dedupDistance: distance };
      p.runs = p.runs.slice(0, 1).map((x) => ({ ...x, strategy: 'RANDOM:dedup' }));
      return p;
    };
    const merged = mergeResults([part([0], 1, 'a', 1), dedup(0.7)]);
    expect(merged.settings.dedupDistance).toBe(0.7);
    expect(merged.settings.strategies).toEqual(['RANDOM', 'CORAL', 'RANDOM:dedup']);
    expect(mergeResults([part([0], 1, 'a', 1), part([1], 1, 'b', 1)]).settings).not.toHaveProperty('dedupDistance');
    expect(() => mergeResults([merged, { ...dedup(0.5), runs: [] }])).toThrow(/different distances: 0.7, 0.5/);
  });

  test('a part that ran another strategy on the same seeds joins them, its strategies recorded', () => {
    const typiclust = part([0, 1], 2, 'b', 5);
    typiclust.settings.strategies = ['TYPICLUST+UNCERTAINTY'];
    typiclust.runs = typiclust.runs.slice(0, 2).map((x, i) => ({ ...x, strategy: 'TYPICLUST+UNCERTAINTY', seed: i }));
    const merged = mergeResults([part([0, 1], 2, 'a', 1), typiclust]);
    expect(merged.settings.strategies).toEqual(['RANDOM', 'CORAL', 'TYPICLUST+UNCERTAINTY']);
    expect(merged.runs.filter((x) => x.strategy === 'TYPICLUST+UNCERTAINTY').map((x) => x.seed)).toEqual([0, 1]);
    expect(merged.parts!.map((p) => p.strategies)).toEqual([['RANDOM', 'CORAL'], ['TYPICLUST+UNCERTAINTY']]);
  });

  test('refuses different settings and a strategy and seed present twice', () => {
    const other = part([2], 1, 'b', 1);
    other.settings.steps = 60;
    expect(() => mergeResults([part([0], 1, 'a', 1), other])).toThrow(/same settings/);
    expect(() => mergeResults([part([0, 1], 2, 'a', 1), part([1], 1, 'b', 1)])).toThrow(/both contain RANDOM seed 1/);
  });
});
