import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coralSelect } from './coral';
import { coresetSelect } from './coreset';
import { formatEmbeddingsCsv, parseEmbeddingsCsv, readEmbeddingsCsv, type Embeddings } from './embeddings-csv';
import { mulberry32, randomSelect, seededShuffle } from './random';

const embeddings = (rows: number[][]): Embeddings => ({
  filenames: rows.map((_, i) => `img${i}.png`),
  dim: rows[0].length,
  data: Float64Array.from(rows.flat()),
});

/** Straightforward float64 k-center greedy: every distance recomputed from scratch for every pick. */
function naiveCoreset(rows: number[][], preselected: number[], k: number, candidates?: number[]): number[] {
  const selected = [...preselected];
  const open = (candidates ?? rows.map((_, i) => i)).filter((i) => !preselected.includes(i)).sort((a, b) => a - b);
  const dist = (a: number[], b: number[]) => {
    let s = 0;
    for (let d = 0; d < a.length; d++) s += (a[d] - b[d]) * (a[d] - b[d]);
    return Math.sqrt(s);
  };
  const picks: number[] = [];
  while (picks.length < k && open.length) {
    let best = open[0];
    if (selected.length) {
      let bestD = -1;
      for (const i of open) {
        const d = Math.min(...selected.map((s) => dist(rows[i], rows[s])));
        if (d > bestD) {
          bestD = d;
          best = i;
        }
      }
    }
    picks.push(best);
    selected.push(best);
    open.splice(open.indexOf(best), 1);
  }
  return picks;
}

describe('coreset (k-center greedy)', () => {
  const line = embeddings([[0], [1], [10], [4], [-6]]);

  test('hand-checked picks on a line; first pick index 0', () => {
    // from 0: d = 1, 10, 4, 6 -> idx 2 (10); then d(1)=1, d(3)=4, d(4)=6 -> idx 4; then d(1)=1, d(3)=4 -> idx 3
    const r = coresetSelect(line, { batchSize: 4 });
    expect(r.picks).toEqual([0, 2, 4, 3]);
    expect(r.pickDistances).toEqual([null, 10, 6, 4]);
    // left: idx 1 at distance 1 from 0
    expect(r.maxMinDistance).toBe(1);
    expect(r.stoppedBy).toBeUndefined();
  });

  test('ties go to the lowest index', () => {
    expect(coresetSelect(embeddings([[0], [-5], [5]]), { batchSize: 2 }).picks).toEqual([0, 1]);
    // 2-D: from the origin, three points at distance 5 (3-4-5 triangles)
    expect(
      coresetSelect(
        embeddings([
          [0, 0],
          [0, 1],
          [3, 4],
          [4, 3],
          [-5, 0],
        ]),
        { batchSize: 2 },
      ).picks,
    ).toEqual([0, 2]);
  });

  test('preselected rows seed the distances and are never picked; nTotal counts them', () => {
    // preselected 10 (idx 2): d = 10, 9, 6, 16 -> idx 4 (-6); then d(0)=6, d(1)=7, d(3)=6 -> idx 1
    expect(coresetSelect(line, { batchSize: 2, preselected: [2] }).picks).toEqual([4, 1]);
    expect(coresetSelect(line, { nTotal: 3, preselected: [2] }).picks).toEqual([4, 1]);
    expect(coresetSelect(line, { nTotal: 1, preselected: [2] }).picks).toEqual([]);
    const r = coresetSelect(line, { nTotal: 3, preselected: [2, 4] });
    // from {10, -6}: d(0)=6, d(1)=7, d(3)=6 -> idx 1 (7); then left 0 (d 1), 3 (d 3)
    expect(r).toEqual({ picks: [1], pickDistances: [7], maxMinDistance: 3 });
  });

  test('candidates restrict the picks; with nothing preselected the first pick is the lowest candidate', () => {
    expect(coresetSelect(line, { batchSize: 2, candidates: [3, 1, 4] }).picks).toEqual([1, 4]);
    const all = coresetSelect(line, { batchSize: 9, candidates: [3, 4] });
    expect(all).toMatchObject({ picks: [3, 4], maxMinDistance: 0, stoppedBy: 'candidatesExhausted' });
  });

  test('minDistance stops before a pick closer than it', () => {
    // picks 0 (forced), 10 (d 10), -6 (d 6), then 4 has d 4 < 5 -> stop
    expect(coresetSelect(line, { batchSize: 5, minDistance: 5 })).toEqual({
      picks: [0, 2, 4],
      pickDistances: [null, 10, 6],
      maxMinDistance: 4,
      stoppedBy: 'minDistance',
    });
    // d equal to minDistance is not "closer than": picked
    expect(coresetSelect(line, { batchSize: 5, minDistance: 4 }).picks).toEqual([0, 2, 4, 3]);
  });

  test('nothing selected: null radius; bad indices are refused', () => {
    expect(coresetSelect(line, { batchSize: 0 })).toEqual({ picks: [], pickDistances: [], maxMinDistance: null });
    expect(() => coresetSelect(line, { batchSize: 1, preselected: [5] })).toThrow('preselected index 5');
    expect(() => coresetSelect(line, { batchSize: 1, candidates: [-1] })).toThrow('candidate index -1');
  });

  test('matches a naive float64 reference on random embeddings', () => {
    const rand = mulberry32(7);
    const rows = Array.from({ length: 300 }, () => Array.from({ length: 8 }, () => rand() * 2 - 1));
    const e = embeddings(rows);
    expect(coresetSelect(e, { batchSize: 25 }).picks).toEqual(naiveCoreset(rows, [], 25));
    expect(coresetSelect(e, { batchSize: 20, preselected: [5, 17, 200] }).picks).toEqual(
      naiveCoreset(rows, [5, 17, 200], 20),
    );
    const candidates = Array.from({ length: 150 }, (_, i) => 2 * i + 1);
    expect(coresetSelect(e, { nTotal: 40, preselected: [0, 2], candidates }).picks).toEqual(
      naiveCoreset(rows, [0, 2], 38, candidates),
    );
  });

  test('matches the reference on embeddings with many exact ties (a small integer grid)', () => {
    const rand = mulberry32(11);
    const rows = Array.from({ length: 200 }, () => Array.from({ length: 3 }, () => Math.floor(rand() * 4)));
    expect(coresetSelect(embeddings(rows), { batchSize: 60 }).picks).toEqual(naiveCoreset(rows, [], 60));
  });
});

describe('random selection', () => {
  const candidates = Array.from({ length: 50 }, (_, i) => i);

  test('seeded: the same seed gives the same picks, another seed others', () => {
    const a = randomSelect(candidates, 10, 3);
    expect(randomSelect(candidates, 10, 3)).toEqual(a);
    expect(randomSelect(candidates, 10, 4)).not.toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect(randomSelect(candidates, 99, 3)).toHaveLength(50);
    expect(randomSelect(candidates, 0, 3)).toEqual([]);
  });

  test('preselected candidates are never picked; repeated candidates are picked once', () => {
    const preselected = candidates.filter((i) => i % 2 === 0);
    const picks = randomSelect(candidates, 30, 1, preselected);
    expect(picks).toHaveLength(25);
    expect(picks.every((i) => i % 2 === 1)).toBe(true);
    expect(randomSelect(['a', 'a', 'b'], 5, 1).sort()).toEqual(['a', 'b']);
  });

  test('mulberry32 is pinned: the first outputs of seed 42, checked against an independent Python version', () => {
    const next = mulberry32(42);
    expect([next(), next(), next()].map((v) => v * 2 ** 32)).toEqual([2581720956, 1925393290, 3661312704]);
    expect(mulberry32(42 + 2 ** 32)()).toBe(mulberry32(42)());
    expect(seededShuffle([1, 2, 3, 4, 5], 42)).toEqual(seededShuffle([1, 2, 3, 4, 5], 42));
  });
});

describe('embeddings CSV', () => {
  test("Lightly's layout round-trips exactly", () => {
    const e = embeddings([
      [0.6, 0.8],
      [1, 1e-17],
      [-0.1234567890123, 3],
    ]);
    const text = formatEmbeddingsCsv(e);
    expect(text.split('\n')[0]).toBe('filenames,embedding_0,embedding_1,labels');
    expect(text.split('\n')[1]).toBe('img0.png,0.6,0.8,0');
    expect(parseEmbeddingsCsv(text, 'e.csv')).toEqual(e);
  });

  test('quoted file names, a BOM, CRLF and a missing labels column are read', () => {
    const text = '\uFEFFfilenames,embedding_0\r\n"a,b.png",1\r\n"say ""hi"".png",2\r\n';
    expect(parseEmbeddingsCsv(text, 'e.csv')).toEqual({
      filenames: ['a,b.png', 'say "hi".png'],
      dim: 1,
      data: Float64Array.from([1, 2]),
    });
    const e: Embeddings = { filenames: ['a,b.png'], dim: 1, data: Float64Array.from([5]) };
    expect(parseEmbeddingsCsv(formatEmbeddingsCsv(e), 'e.csv')).toEqual(e);
  });

  test.each([
    ['name,x\n', 'e.csv:1: header must have'],
    ['filenames,embedding_1,labels\n', 'e.csv:1: column 2 is embedding_1, expected embedding_0'],
    ['filenames,embedding_0,labels\na.png,x,0\n', 'e.csv:2: embedding_0 is not a finite number: "x"'],
    ['filenames,embedding_0,labels\na.png,1,0\n\nb.png,NaN,0\n', 'e.csv:4: embedding_0 is not a finite number'],
    ['filenames,embedding_0,labels\na.png,1\n', 'e.csv:2: 2 columns, the header has 3'],
    ['filenames,embedding_0,labels\na.png,1,0\na.png,2,0\n', 'e.csv:3: duplicate file name a.png (first on line 2)'],
    ['filenames,embedding_0,labels\n"a.png,1,0\n', 'e.csv:2: unterminated quote'],
    ['filenames,embedding_0,labels\n,1,0\n', 'e.csv:2: empty file name'],
  ])('%j -> %s', (text, message) => {
    expect(() => parseEmbeddingsCsv(text, 'e.csv')).toThrow(message);
  });

  test('read from a file', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-emb-')), 'embeddings.csv');
    fs.writeFileSync(file, 'filenames,embedding_0,embedding_1,labels\nx.png,1,2,0\n');
    expect(await readEmbeddingsCsv(file)).toEqual({ filenames: ['x.png'], dim: 2, data: Float64Array.from([1, 2]) });
  });
});

/** Straightforward float64 CORAL: full recomputation of (d / max d) * w^strength per pick. */
function naiveCoral(rows: number[][], weights: number[], strength: number, preselected: number[], k: number): number[] {
  const selected = [...preselected];
  const picks: number[] = [];
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  while (picks.length < k) {
    const open = rows.map((_, i) => i).filter((i) => !selected.includes(i));
    const d = open.map((i) => (selected.length ? Math.min(...selected.map((s) => dist(rows[i], rows[s]))) : 1));
    const maxD = Math.max(...d);
    let best = -1;
    let bestValue = -Infinity;
    open.forEach((i, j) => {
      const value = (d[j] / maxD) * weights[i] ** strength;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    });
    picks.push(best);
    selected.push(best);
  }
  return picks;
}

test('coral: hand-checked product of distance and score; matches a naive reference', () => {
  const e = embeddings([[0], [1], [10], [4], [-6]]);
  // preselected 0: d = [-, 1, 10, 4, 6]; scores [0, 1, 0.1, 1, 0.5] -> 1, 1, 4, 3 -> idx 3 (4)
  expect(coralSelect(e, { preselected: [0], scores: [0, 1, 0.1, 1, 0.5], batchSize: 1 }).picks).toEqual([3]);
  // strength 0 ignores scores: plain CORESET
  expect(coralSelect(e, { preselected: [0], scores: [0, 1, 0.1, 1, 0.5], strength: 0, batchSize: 2 }).picks).toEqual(
    coresetSelect(e, { preselected: [0], batchSize: 2 }).picks,
  );
  // nothing preselected: the highest score first
  expect(coralSelect(e, { scores: [0.2, 0.9, 0.1, 0.9, 0.5], batchSize: 1 }).picks).toEqual([1]);
  expect(() => coralSelect(e, { scores: [1, 1], batchSize: 1 })).toThrow('2 scores for 5 embeddings');
  expect(() => coralSelect(e, { scores: [1, 1, -1, 1, 1], batchSize: 1 })).toThrow('img2.png');

  const rand = mulberry32(11);
  const rows = Array.from({ length: 200 }, () => Array.from({ length: 6 }, () => rand()));
  const weights = rows.map(() => rand());
  for (const strength of [1, 2.5]) {
    expect(
      coralSelect(embeddings(rows), { scores: weights, strength, preselected: [3, 50], batchSize: 15 }).picks,
    ).toEqual(naiveCoral(rows, weights, strength, [3, 50], 15));
  }
});
