// rowScores (streaming, one image at a time) gives every score as scoresOfPredictionFolder (all boxes in
// memory) does, for images with boxes, with class probabilities, and without a file; bad lines are named.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCORE_NAMES } from './detection';
import { rowScores, scoresOfPredictionFolder, writeScoreTable } from './prediction-folder';
import { scoreTableOf } from './score-table';

const line = (cls: string, x: number, score: number) => `${cls} 0 0 0 ${x} 5 ${x + 10} 15 0 0 0 0 0 0 0 ${score}`;

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-scores-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('rowScores equals the per-image scores of the whole folder, for every score', async () => {
  const dir = folder({
    'a.txt': [line('apple', 1, 0.9), line('apple', 20, 0.3)].join('\n'),
    'b.txt': [line('red', 1, 0.6), line('green', 30, 0.55), line('green', 50, 0.2)].join('\n'),
    'b.probs': '0.6 0.4\n0.45 0.55\n0.5 0.5\n',
    'c.txt': '',
  });
  const rows = ['a.png', 'b.jpg', 'c.png', 'missing.png'];
  const names = ['a', 'b', 'c', 'missing'];
  const expected = await scoresOfPredictionFolder(dir, names);
  for (const score of SCORE_NAMES) {
    expect(Array.from(await rowScores(dir, rows, score))).toEqual(names.map((n) => expected.get(n)![score]));
  }
  // the class probabilities were read: b's uncertainty is not the one-class [s, 1 - s]'s
  expect((await rowScores(dir, ['b.png'], 'uncertainty_margin'))[0]).toBeCloseTo(1 - (0.5 - 0.5), 10);
});

test('a malformed prediction line is named with its file and line', async () => {
  const dir = folder({ 'a.txt': `${line('apple', 1, 0.9)}\napple 0 0 0 x 5 10 15 0 0 0 0 0 0 0 0.5\n` });
  await expect(rowScores(dir, ['a.png'], 'uncertainty_entropy_mean')).rejects.toThrow(
    new RegExp(`^1 malformed KITTI line\\(s\\):\\n${path.join(dir, 'a.txt')}:2: `),
  );
});

test("the score table beside a folder gives every score bit for bit as the folder's files do", async () => {
  const files = {
    'a.txt': [line('apple', 1, 0.9), line('apple', 20, 0.3)].join('\n'),
    'b.txt': [line('red', 1, 0.6), line('green', 30, 0.55), line('green', 50, 0.2)].join('\n'),
    'b.probs': '0.6 0.4\n0.45 0.55\n0.5 0.5\n',
    'c.txt': '',
    'd.txt': line('apple', 3, 0.123456789),
  };
  const dir = folder(files);
  // Rows in the table's order (read line by line) and in another (looked up by name).
  const orders = [
    ['a.png', 'b.jpg', 'c.png', 'd.png', 'missing.png'],
    ['d.png', 'missing.png', 'a.png', 'c.png', 'b.jpg'],
  ];
  const fromFiles = await Promise.all(
    orders.map((rows) => Promise.all(SCORE_NAMES.map((score) => rowScores(dir, rows, score)))),
  );
  // The table covers the images but `missing` (no line: no boxes, as no file), written as the loop's merge does.
  await writeScoreTable(dir, ['a', 'b', 'c', 'd'], scoreTableOf(dir));
  for (const name of Object.keys(files)) fs.unlinkSync(path.join(dir, name));
  for (const [o, rows] of orders.entries())
    for (const [k, score] of SCORE_NAMES.entries())
      expect(Array.from(await rowScores(dir, rows, score))).toEqual(Array.from(fromFiles[o][k]));
});

test('a malformed score table line, or another file in its place, is named', async () => {
  const dir = folder({ 'a.txt': line('apple', 1, 0.9) });
  await writeScoreTable(dir, ['a'], scoreTableOf(dir));
  const table = scoreTableOf(dir);
  fs.appendFileSync(table, 'b\t0.5\n');
  await expect(rowScores(dir, ['a.png'], 'uncertainty_margin')).rejects.toThrow(
    `${table}:3: expected an image name and 11 numbers, found "b\t0.5"`,
  );
  fs.writeFileSync(table, 'image,score\n');
  await expect(rowScores(dir, ['a.png'], 'uncertainty_margin')).rejects.toThrow(`${table}:1: not a score table header`);
});
