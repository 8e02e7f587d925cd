import { coralSelect } from './coral';
import { coresetSelect, greedySelect, type CoresetOptions, type CoresetResult } from './coreset';
import {
  allocateEmbeddingValues,
  createDistanceFilter,
  distanceFilterModule,
  distanceFilterWasmPath,
} from './distance-filter';
import type { Embeddings } from './embeddings-csv';
import { mulberry32, seededNormals } from './random';

/** Plain k-center greedy (one exact pass over every row per pick): the reference for the lazy engine. */
function plainGreedy(
  e: Embeddings,
  options: CoresetOptions,
  weights?: { w: number[]; strength: number },
): CoresetResult {
  const n = e.filenames.length;
  const { dim, data } = e;
  const preselected = options.preselected ?? [];
  const open = new Set(options.candidates ?? Array.from({ length: n }, (_, i) => i));
  for (const s of preselected) open.delete(s);
  const wanted = options.batchSize ?? options.nTotal - preselected.length;
  const minDist = new Array<number>(n).fill(Infinity);
  const absorb = (s: number) => {
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) {
        const diff = data[i * dim + k] - data[s * dim + k];
        d2 += diff * diff;
      }
      minDist[i] = Math.min(minDist[i], Math.sqrt(d2));
    }
  };
  preselected.forEach(absorb);
  const value = (i: number) =>
    weights ? (minDist[i] === Infinity ? 1 : minDist[i]) * Math.pow(weights.w[i], weights.strength) : minDist[i];
  const farthest = () =>
    [...open].sort((a, b) => a - b).reduce((best, i) => (best < 0 || value(i) > value(best) ? i : best), -1);
  const picks: number[] = [];
  const pickDistances: (number | null)[] = [];
  let stoppedBy: CoresetResult['stoppedBy'];
  while (picks.length < wanted) {
    if (open.size === 0) {
      stoppedBy = 'candidatesExhausted';
      break;
    }
    const best = farthest();
    if (options.minDistance !== undefined && minDist[best] < options.minDistance) {
      stoppedBy = 'minDistance';
      break;
    }
    picks.push(best);
    pickDistances.push(minDist[best] === Infinity ? null : minDist[best]);
    open.delete(best);
    absorb(best);
  }
  const left = farthest();
  const maxMinDistance = preselected.length + picks.length === 0 ? null : left < 0 ? 0 : minDist[left];
  return stoppedBy ? { picks, pickDistances, maxMinDistance, stoppedBy } : { picks, pickDistances, maxMinDistance };
}

function gaussianRows(n: number, dim: number, seed: number, scale = 1, offset = 0): Embeddings {
  const data = seededNormals(n * dim, seed).map((v) => offset + scale * v);
  return { filenames: Array.from({ length: n }, (_, i) => `img${i}.png`), dim, data };
}

const bothKernels = (e: Embeddings, options: CoresetOptions, weights?: { w: number[]; strength: number }) => {
  const weighting = weights ? { weights: weights.w, strength: weights.strength } : undefined;
  return { filtered: greedySelect(e, options, weighting, 'auto'), exact: greedySelect(e, options, weighting, 'exact') };
};

test('the float32 filter is built and loads (npm run build compiles it)', () => {
  if (!distanceFilterModule())
    throw new Error(`${distanceFilterWasmPath()} is missing or does not load: run npm run build`);
  const e = gaussianRows(10, 5, 1);
  expect(createDistanceFilter(e.data, 10, 5, 4)).not.toBeNull();
});

describe('lazy k-center greedy gives the plain greedy picks exactly', () => {
  const e = gaussianRows(3000, 33, 5);

  test.each([
    ['batch from row 0', { batchSize: 120 }],
    ['preselected rows', { batchSize: 80, preselected: [7, 2999, 1500] }],
    [
      'candidates and nTotal',
      { nTotal: 60, preselected: [1], candidates: Array.from({ length: 1000 }, (_, i) => 3 * i + 2) },
    ],
    ['minDistance stop', { batchSize: 3000, minDistance: 6.3 }],
    ['more than the candidates', { batchSize: 50, candidates: [10, 20, 30] }],
  ] as [string, CoresetOptions][])('%s', (_name, options) => {
    const expected = plainGreedy(e, options);
    const { filtered, exact } = bothKernels(e, options);
    expect(filtered).toEqual(expected);
    expect(exact).toEqual(expected);
  });

  test('minDistance ends the run inside the range tested above', () => {
    const r = plainGreedy(e, { batchSize: 3000, minDistance: 6.3 });
    expect(r.stoppedBy).toBe('minDistance');
    expect(r.picks.length).toBeGreaterThan(5);
  });

  test('CORAL weights, zeros among them, with and without preselection', () => {
    const rand = mulberry32(9);
    const w = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? 0 : rand()));
    for (const [options, strength] of [
      [{ batchSize: 70, preselected: [3, 4] }, 1],
      [{ batchSize: 40 }, 2.5],
    ] as [CoresetOptions, number][]) {
      const expected = plainGreedy(e, options, { w, strength });
      const { filtered, exact } = bothKernels(e, options, { w, strength });
      expect(filtered).toEqual(expected);
      expect(exact).toEqual(expected);
      expect(coralSelect(e, { ...options, scores: w, strength })).toEqual(expected);
    }
  });

  test('many exact ties (an integer grid): lowest index wins', () => {
    const rand = mulberry32(3);
    const grid: Embeddings = {
      filenames: Array.from({ length: 2000 }, (_, i) => String(i)),
      dim: 3,
      data: Float64Array.from({ length: 6000 }, () => Math.floor(rand() * 5)),
    };
    expect(bothKernels(grid, { batchSize: 130 }).filtered).toEqual(plainGreedy(grid, { batchSize: 130 }));
  });

  test('rows far from the origin, closer together than float32 resolves: same picks', () => {
    const far = gaussianRows(1500, 16, 4, 1e-3, 1e6);
    expect(bothKernels(far, { batchSize: 60 }).filtered).toEqual(plainGreedy(far, { batchSize: 60 }));
  });

  test('values beyond float32 safety: no filter, same picks', () => {
    const huge = gaussianRows(800, 8, 6, 1e20);
    expect(createDistanceFilter(huge.data, 800, 8, 10)).toBeNull();
    expect(coresetSelect(huge, { batchSize: 40 })).toEqual(plainGreedy(huge, { batchSize: 40 }));
  });

  test('clustered rows of 130 values (sketches guide the refreshes; a row runs past its last sketch chunk): same picks', () => {
    const dim = 130;
    const rand = mulberry32(12);
    const centres = seededNormals(8 * dim, 13);
    const noise = seededNormals(1500 * dim, 14);
    const data = new Float64Array(1500 * dim);
    for (let i = 0; i < 1500; i++) {
      const j = Math.floor(rand() * rand() * 8); // clusters of unequal sizes
      for (let t = 0; t < dim; t++) data[i * dim + t] = centres[j * dim + t] + 0.3 * noise[i * dim + t];
    }
    const clustered: Embeddings = { filenames: Array.from({ length: 1500 }, (_, i) => String(i)), dim, data };
    const w = Array.from({ length: 1500 }, () => rand());
    // Also as float32, the loop's own embeddings (embeddings-matrix.ts): the kernel's copy is then the rows themselves.
    const clustered32: Embeddings = { ...clustered, data: new Float32Array(data) };
    for (const [rows, options, weights] of [
      [clustered, { batchSize: 150 }, undefined],
      [clustered, { batchSize: 60, preselected: [5, 900] }, { w, strength: 1 }],
      [clustered32, { batchSize: 150 }, undefined],
    ] as [Embeddings, CoresetOptions, { w: number[]; strength: number } | undefined][]) {
      const expected = plainGreedy(rows, options, weights);
      const { filtered, exact } = bothKernels(rows, options, weights);
      expect(filtered).toEqual(expected);
      expect(exact).toEqual(expected);
    }
  });

  test('exact copies (of centres, of each other, near-copies beside them): same picks, ties to the lowest index', () => {
    const dim = 24;
    const n = 300;
    const base = gaussianRows(n, dim, 21);
    const data = Float64Array.from(base.data);
    // rows 0-9 are originals; rows i = 2 (mod 3) copy row i mod 10, rows i = 1 (mod 6) are near-copies of
    // it (one value moved by 1e-9, below float32's resolution of these rows); batches of 200 and 250 run
    // out of the other rows, so that the near-copies and then the copies are picked too
    for (let i = 10; i < n; i++) {
      if (i % 3 !== 2 && i % 6 !== 1) continue;
      data.copyWithin(i * dim, (i % 10) * dim, ((i % 10) + 1) * dim);
      if (i % 6 === 1) data[i * dim + (i % dim)] += 1e-9;
    }
    const copies: Embeddings = { ...base, data };
    const allSame: Embeddings = {
      ...base,
      data: Float64Array.from({ length: n * dim }, (_, k) => base.data[k % dim]),
    };
    const rand = mulberry32(22);
    const w = Array.from({ length: n }, () => rand());
    for (const [rows, options, weights] of [
      [copies, { batchSize: 200, preselected: [0, 1, 2, 3] }, undefined],
      [copies, { batchSize: 200, preselected: [0, 1, 2, 3] }, { w, strength: 1 }],
      [copies, { batchSize: 250 }, { w, strength: 2 }],
      [allSame, { batchSize: 50, preselected: [7] }, undefined],
      [allSame, { batchSize: 50, preselected: [7, 8] }, { w, strength: 1 }],
      [{ ...allSame, data: new Float32Array(allSame.data) }, { batchSize: 50, preselected: [3] }, undefined],
    ] as [Embeddings, CoresetOptions, { w: number[]; strength: number } | undefined][]) {
      const expected = plainGreedy(rows, options, weights);
      const { filtered, exact } = bothKernels(rows, options, weights);
      expect(filtered).toEqual(expected);
      expect(exact).toEqual(expected);
    }
    // with every row the same, every distance is 0: the lowest open indices, in order (CORESET)
    expect(plainGreedy(allSame, { batchSize: 5, preselected: [7] }).picks).toEqual([0, 1, 2, 3, 4]);
  });

  test('rows read into the kernel memory (allocateEmbeddingValues): used in place, same picks, run after run', () => {
    for (const dim of [36, 132]) {
      // 132 values: sketches too, in the regions after the rows.
      const source = gaussianRows(1200, dim, dim);
      const data = allocateEmbeddingValues(1200, dim);
      data.set(source.data);
      const placed: Embeddings = { ...source, data };
      expect(createDistanceFilter(data, 1200, dim, 4)!.copiedRows).toBe(false);
      const expected = plainGreedy(placed, { batchSize: 90 });
      const weighted = plainGreedy(
        placed,
        { batchSize: 40, preselected: [3] },
        { w: source.filenames.map((_, i) => (i % 5) / 4), strength: 1 },
      );
      // Each run reuses the same working memory after the rows: a second run must not see the first's centres.
      for (let run = 0; run < 2; run++) {
        expect(bothKernels(placed, { batchSize: 90 })).toEqual({ filtered: expected, exact: expected });
        expect(
          greedySelect(
            placed,
            { batchSize: 40, preselected: [3] },
            { weights: source.filenames.map((_, i) => (i % 5) / 4), strength: 1 },
          ),
        ).toEqual(weighted);
      }
      expect(Array.from(data)).toEqual(Array.from(source.data, Math.fround));
    }
  });

  test('float32 rows: the plain greedy picks over the same values, with preselection and CORAL weights', () => {
    const e32: Embeddings = { ...e, data: new Float32Array(e.data) };
    const rand = mulberry32(21);
    const w = Array.from({ length: 3000 }, () => rand());
    for (const [options, weights] of [
      [{ batchSize: 120 }, undefined],
      [
        { batchSize: 50, preselected: [9, 10] },
        { w, strength: 1 },
      ],
    ] as [CoresetOptions, { w: number[]; strength: number } | undefined][]) {
      const expected = plainGreedy(e32, options, weights);
      const { filtered, exact } = bothKernels(e32, options, weights);
      expect(filtered).toEqual(expected);
      expect(exact).toEqual(expected);
    }
  });

  test('a NaN or infinite value is refused, naming the row', () => {
    const bad = gaussianRows(20, 4, 2);
    bad.data[13] = NaN;
    expect(() => coresetSelect(bad, { batchSize: 3 })).toThrow(
      'embedding 3 (img3.png) has a value that is not a finite number',
    );
    bad.data[13] = 1e300;
    bad.data[14] = 1e300;
    expect(coresetSelect(bad, { batchSize: 3 }).picks).toHaveLength(3);
  });
});

test('the filter never rules out a centre closer than u, and rules out most that are not', () => {
  for (const [scale, offset, resolvable] of [
    [1, 0, true],
    [1e6, -3e6, true],
    [1e-3, 1e4, false],
    [1e-30, 0, false],
  ] as [number, number, boolean][]) {
    const e = gaussianRows(400, 37, 8, scale, offset);
    const filter = createDistanceFilter(e.data, 400, 37, 200);
    if (!filter) throw new Error('filter expected');
    for (let c = 0; c < 200; c++) filter.addCentre(200 + c);
    let ruledOut = 0;
    const wronglyRuledOut: string[] = [];
    for (let row = 0; row < 200; row++) {
      for (let c = 0; c < 200; c++) {
        let d2 = 0;
        for (let k = 0; k < 37; k++) d2 += (e.data[row * 37 + k] - e.data[(200 + c) * 37 + k]) ** 2;
        const d = Math.sqrt(d2);
        // Just above d: the centre might lower a bound u, so it must not be ruled out.
        for (const above of [1e-15, 1e-12, 1e-9, 1e-6]) {
          if (filter.firstCandidateCentre(row, c, c + 1, d * (1 + above) + Number.MIN_VALUE) !== c)
            wronglyRuledOut.push(`row ${row} centre ${c} u = d (1 + ${above})`);
        }
        if (filter.firstCandidateCentre(row, c, c + 1, d * (1 - 1e-3)) === c + 1) ruledOut++;
      }
    }
    expect(wronglyRuledOut).toEqual([]);
    // Well-scaled rows: a centre 0.1% beyond u is ruled out. Rows whose spread float32 cannot resolve
    // (offset 1e4, spread 1e-3) or whose squares underflow it (1e-30) are left to the exact distances.
    if (resolvable) expect(ruledOut).toBe(200 * 200);
    else expect(ruledOut).toBeLessThan(200 * 200);
  }
});

test('the float32 upper bound is never below the exact distance, and close to it for rows float32 resolves', () => {
  for (const [dim, scale, offset, resolvable] of [
    [37, 1, 0, true],
    [130, 1, 0, true],
    [37, 1e6, -3e6, true],
    [37, 1e-3, 1e4, false],
    [37, 1e-30, 0, false],
  ] as [number, number, number, boolean][]) {
    const e = gaussianRows(300, dim, 9, scale, offset);
    const filter = createDistanceFilter(e.data, 300, dim, 100);
    if (!filter) throw new Error('filter expected');
    for (let c = 0; c < 100; c++) filter.addCentre(200 + c);
    const below: string[] = [];
    let loosest = 0;
    for (let row = 0; row < 200; row++) {
      const uppers: number[] = [];
      for (let c = 0; c < 100; c++) {
        let d2 = 0;
        for (let k = 0; k < dim; k++) d2 += (e.data[row * dim + k] - e.data[(200 + c) * dim + k]) ** 2;
        const d = Math.sqrt(d2);
        const upper = filter.tightenUpperBound(row, c, c + 1, Infinity, -Infinity);
        uppers.push(upper);
        if (!(upper >= d)) below.push(`dim ${dim} row ${row} centre ${c}: ${upper} < ${d}`);
        loosest = Math.max(loosest, upper / d - 1);
      }
      // A whole range gives the nearest centre's bound; a stop ends the scan after the slot that crossed it.
      const all = filter.tightenUpperBound(row, 0, 100, Infinity, -Infinity);
      expect(all).toBe(Math.min(...uppers));
      expect(filter.scanEnd()).toBe(100);
      const stopped = filter.tightenUpperBound(row, 0, 100, Infinity, all * 2);
      expect(stopped).toBeLessThan(all * 2);
      // Just after the first slot below the stop, or (sketched rows) at 0 when the sketch's guess alone did it.
      const afterFirstBelow = uppers.findIndex((u) => u < all * 2) + 1;
      expect(dim >= 128 ? [0, afterFirstBelow] : [afterFirstBelow]).toContain(filter.scanEnd());
    }
    expect(below).toEqual([]);
    if (resolvable) expect(loosest).toBeLessThan(1e-4);
  }
});
