import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readKittiFolder } from './kitti-folder';
import {
  forEachPoolPrediction,
  predictionTablesIndex,
  PREDICTION_TABLES_INDEX,
  readPoolPredictions,
} from './pool-predictions';
import { forEachPredictionsTableImage, PREDICTIONS_TABLE_HEADER, writePredictionsTable } from './predictions-table';
import type { Box } from './kitti';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-ptable-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const A1 = 'apple 0 0 0 10.50 20.00 30.25 40.00 0 0 0 0 0 0 0 0.9123';
const A2 = 'apple  0 0 0 1.00 2.00 3.00 4.00 0 0 0 0 0 0 0 0.0500';
const B1 = 'pear 0 0 0 5 6 7 8 0 0 0 0 0 0 0 0.3';

function kittiFolder(files: Record<string, string>): string {
  const folder = path.join(dir, 'kitti');
  fs.mkdirSync(folder, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), text);
  return folder;
}

async function visited(file: string, wanted?: (n: string) => boolean): Promise<[string, Box[]][]> {
  const out: [string, Box[]][] = [];
  await forEachPredictionsTableImage(file, (name, boxes) => out.push([name, boxes]), wanted);
  return out;
}

test('a folder of KITTI files and their class probabilities, as one table and back, box for box', async () => {
  const folder = kittiFolder({
    'a.txt': `${A1}\n${A2}\n`,
    'a.probs': '0.9 0.1\n0.6 0.4\n',
    'b.txt': '',
    'c.txt': `${B1}\r\n`,
  });
  const table = path.join(dir, 'shard.tsv');
  // d has no file (not a box found); the order is the list's, not the folder's.
  expect(await writePredictionsTable(folder, ['c', 'a', 'b', 'd'], table)).toBe(3);
  expect(fs.readFileSync(table, 'utf8')).toBe(
    `${PREDICTIONS_TABLE_HEADER}\nc\t${B1}\na\t${A1}\t0.9 0.1\na\t${A2.replace('  ', ' ')}\t0.6 0.4\nb\nd\n`,
  );
  const fromFiles = await readKittiFolder(folder, 'prediction', ['c', 'a', 'b'], false);
  fromFiles.get('a')![0].probs = [0.9, 0.1];
  fromFiles.get('a')![1].probs = [0.6, 0.4];
  expect(await visited(table)).toEqual([...fromFiles, ['d', []]]);
  // Only the wanted images are parsed and visited.
  expect((await visited(table, (n) => n === 'a')).map(([n, b]) => [n, b.length])).toEqual([['a', 2]]);
});

test('bad input is refused naming the file and line', async () => {
  const table = path.join(dir, 't.tsv');
  const write = (text: string) => fs.writeFileSync(table, text);
  write(`image\tkitti\n`);
  await expect(visited(table)).rejects.toThrow(`${table}:1: not a predictions table header`);
  write('');
  await expect(visited(table)).rejects.toThrow(`${table}: empty, not a predictions table`);
  write(`${PREDICTIONS_TABLE_HEADER}\na\t${A1}\nb\na\t${A2}\n`);
  await expect(visited(table)).rejects.toThrow(`${table}:4: image "a" again, after others`);
  write(`${PREDICTIONS_TABLE_HEADER}\na\tapple 0 0 0 1 2 3\n`);
  await expect(visited(table)).rejects.toThrow(`${table}:2: expected 16 fields (score last), found 7`);
  write(`${PREDICTIONS_TABLE_HEADER}\na\t${A1}\t0.5 x\n`);
  await expect(visited(table)).rejects.toThrow(`${table}:2: expected two or more class probabilities in 0..1`);
  // A malformed KITTI file or a probabilities file of another length is refused when tabulating.
  const folder = kittiFolder({ 'a.txt': `${A1}\n`, 'a.probs': '0.5 0.5\n0.5 0.5\n', 'b.txt': 'apple 1 2\n' });
  await expect(writePredictionsTable(folder, ['a'], table)).rejects.toThrow(
    `${path.join(folder, 'a.probs')}: 2 lines of class probabilities for 1 boxes`,
  );
  await expect(writePredictionsTable(folder, ['b'], table)).rejects.toThrow(`${path.join(folder, 'b.txt')}:1:`);
  await expect(writePredictionsTable(folder, ['x\ty'], table)).rejects.toThrow('cannot be in a predictions table');
});

test("a round's predictions folder reads the same as tables and as a file per image", async () => {
  const folder = kittiFolder({ 'a.txt': `${A1}\n`, 'b.txt': '', 'c.txt': `${B1}\n` });
  const tables = path.join(dir, 'tables');
  fs.mkdirSync(tables);
  await writePredictionsTable(folder, ['a', 'b'], path.join(tables, '00000.tsv'));
  await writePredictionsTable(folder, ['c'], path.join(tables, '00001.tsv'));
  fs.writeFileSync(
    path.join(tables, PREDICTION_TABLES_INDEX),
    JSON.stringify(predictionTablesIndex(['00000.tsv', '00001.tsv'], 3)),
  );
  expect(await readPoolPredictions(tables)).toEqual(await readPoolPredictions(folder));
  expect([...(await readPoolPredictions(tables, ['c', 'zz'])).keys()]).toEqual(['c']);
  expect([...(await readPoolPredictions(folder, ['c', 'zz'])).keys()]).toEqual(['c']);
  const order: string[] = [];
  await forEachPoolPrediction(tables, undefined, (name) => order.push(name));
  expect(order).toEqual(['a', 'b', 'c']);
  fs.writeFileSync(path.join(tables, PREDICTION_TABLES_INDEX), '{"format":"other","tables":[]}');
  await expect(readPoolPredictions(tables)).rejects.toThrow('not an index of prediction tables');
  await expect(readPoolPredictions(path.join(dir, 'none'))).rejects.toThrow(
    `${path.join(dir, 'none')}: no such folder`,
  );
});
