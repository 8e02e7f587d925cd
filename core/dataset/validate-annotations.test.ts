import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProblem } from '../formats/problem';
import { validateAnnotations } from './validate-annotations';

const batch = [
  { name: 'a', width: 100, height: 50 },
  { name: 'b', width: 100, height: 50 },
  { name: 'c', width: 100, height: 50 },
];
const line = (x1: number, y1: number, x2: number, y2: number) => `apple 0 0 0 ${x1} ${y1} ${x2} ${y2} 0 0 0 0 0 0 0`;

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-labels-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

test('a complete, valid submission passes (an empty file means no objects)', async () => {
  const dir = folder({
    'a.txt': `${line(1, 1, 10, 10)}\n`,
    'b.txt': '',
    'c.txt': `${line(0, 0, 100, 50)}\n${line(5, 5, 6, 6)}`,
  });
  const result = await validateAnnotations(dir, batch);
  expect(result.ok).toBe(true);
  expect(result.labels.c).toHaveLength(2);
});

test('every problem is reported at once, with file and line', async () => {
  const dir = folder({
    'a.txt': `${line(1, 1, 10, 10)}\napple 1 2\n${line(90, 40, 120, 45)}\n`,
    'stray.txt': line(1, 1, 2, 2),
    'c.txt': line(3, 3, 2, 9),
  });
  const result = await validateAnnotations(dir, batch);
  expect(result.ok).toBe(false);
  const problems = result.problems.map((p) => formatProblem({ ...p, file: path.basename(p.file) }));
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^a\.txt:2: expected 15 fields/),
      expect.stringMatching(/^a\.txt:3: box .* outside the 100x50 image/),
      expect.stringMatching(/^stray\.txt: unknown image/),
      expect.stringMatching(/^b\.txt: missing label file/),
      expect.stringMatching(/^c\.txt:1: empty box/),
    ]),
  );
  expect(problems).toHaveLength(5);
});

test('a missing folder is a problem, not a throw', async () => {
  const missing = path.join(os.tmpdir(), 'pomona-no-such-labels-folder');
  const result = await validateAnnotations(missing, batch);
  expect(result.ok).toBe(false);
  expect(result.problems).toEqual([
    { file: missing, message: expect.stringContaining('cannot read the labels folder') },
  ]);
});

test('with allowed classes, an unknown class is a problem at its line (case-insensitive)', async () => {
  const dir = folder({
    'a.txt': `${line(1, 1, 10, 10)}\nApple 0 0 0 1 1 5 5 0 0 0 0 0 0 0\naple 0 0 0 1 1 5 5 0 0 0 0 0 0 0\n`,
    'b.txt': '',
    'c.txt': '',
  });
  const result = await validateAnnotations(dir, batch, { classes: ['apple'] });
  expect(result.problems.map(formatProblem)).toEqual([
    `${path.join(dir, 'a.txt')}:3: unknown class "aple" (expected apple)`,
  ]);
  expect((await validateAnnotations(dir, batch)).ok).toBe(true);
});

test('boxes within half a pixel of the border pass; unreadable label files are problems', async () => {
  const dir = folder({ 'a.txt': line(-0.5, -0.5, 100.5, 50.5), 'b.txt': '', 'notes.md': 'ignored' });
  fs.mkdirSync(path.join(dir, 'c.txt'));
  const result = await validateAnnotations(dir, batch);
  expect(result.problems.map((p) => `${path.basename(p.file)}: ${p.message.split(':')[0]}`)).toEqual([
    'c.txt: unreadable',
  ]);
  expect(result.labels.a).toEqual([{ cls: 'apple', x1: -0.5, y1: -0.5, x2: 100.5, y2: 50.5 }]);
});
