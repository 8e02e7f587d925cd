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
  const dir = folder({ 'a.txt': `${line(1, 1, 10, 10)}\n`, 'b.txt': '', 'c.txt': `${line(0, 0, 100, 50)}\n${line(5, 5, 6, 6)}` });
  const result = await validateAnnotations(dir, batch);
  expect(result.ok).toBe(true);
  expect(result.labels.c).toHaveLength(2);
});

test('every problem is reported at once, with file and line', async () => {
  const dir = folder({ 'a.txt': `${line(1, 1, 10, 10)}\napple 1 2\n${line(90, 40, 120, 45)}\n`, 'stray.txt': line(1, 1, 2, 2), 'c.txt': line(3, 3, 2, 9) });
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
