import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-atomic-'));

test('writes, creating folders, and replaces an existing file; no temp file is left', async () => {
  const dir = tmp();
  const file = path.join(dir, 'a', 'b', 'x.txt');
  await writeFileAtomic(file, 'one');
  await writeFileAtomic(file, Buffer.from('two'));
  expect(fs.readFileSync(file, 'utf8')).toBe('two');
  expect(fs.readdirSync(path.dirname(file))).toEqual(['x.txt']);
});

test('JSON is pretty-printed with a final newline; undefined is refused', async () => {
  const file = path.join(tmp(), 'm.json');
  await writeJsonAtomic(file, { a: [1, 2] });
  expect(fs.readFileSync(file, 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  await expect(writeJsonAtomic(file, undefined)).rejects.toThrow('not JSON-serialisable');
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: [1, 2] });
});

test('a failed rename leaves the target untouched and removes the temp file', async () => {
  const dir = tmp();
  const target = path.join(dir, 'taken');
  fs.mkdirSync(path.join(target, 'inside'), { recursive: true });
  await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
  expect(fs.readdirSync(dir)).toEqual(['taken']);
  expect(fs.statSync(target).isDirectory()).toBe(true);
});

test('concurrent writers of one file: the result is one of the writes, whole', async () => {
  const file = path.join(tmp(), 'race.txt');
  const payloads = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));
  await Promise.all(payloads.map((p) => writeFileAtomic(file, p)));
  expect(payloads).toContain(fs.readFileSync(file, 'utf8'));
  expect(fs.readdirSync(path.dirname(file))).toEqual(['race.txt']);
});
