import { boxOutsideImage, formatKittiLabel, formatKittiPrediction, parseKitti } from './kitti';

test('parses labels and predictions, skipping blank lines', () => {
  const text = 'apple 0.00 0 0.00 587.01 173.33 614.12 200.12 0.00 0.00 0.00 0.00 0.00 0.00 0.00\n\napple 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.873\n';
  const parsed = parseKitti(text, 'a.txt');
  expect(parsed.problems).toEqual([]);
  expect(parsed.boxes).toEqual([
    { cls: 'apple', x1: 587.01, y1: 173.33, x2: 614.12, y2: 200.12 },
    { cls: 'apple', x1: 1, y1: 2, x2: 3, y2: 4, score: 0.873 },
  ]);
  expect(parsed.lines).toEqual([1, 3]);
});

test.each([
  ['apple 0 0 0 1 2 3', 'expected 15 fields'],
  ['apple 0 0 0 a 2 3 4 0 0 0 0 0 0 0', 'field 5 is not a number: "a"'],
  ['apple 0 0 0 5 2 3 4 0 0 0 0 0 0 0', 'empty box'],
  ['apple 0 0 0 1 2 3 NaN 0 0 0 0 0 0 0', 'not a number'],
])('reports %s with file:line', (line, message) => {
  const parsed = parseKitti(`apple 0 0 0 1 2 3 4 0 0 0 0 0 0 0\n${line}\n`, 'lbl/x.txt');
  expect(parsed.boxes).toHaveLength(1);
  expect(parsed.problems).toEqual([{ file: 'lbl/x.txt', line: 2, message: expect.stringContaining(message) }]);
});

test('formats round-trip, occlusion written as an integer', () => {
  const label = formatKittiLabel({ cls: 'apple', x1: 10, y1: 20.5, x2: 30, y2: 40.25 });
  expect(label.split(' ')).toHaveLength(15);
  expect(label.split(' ')[2]).toBe('0');
  expect(parseKitti(label, 'f').boxes[0]).toEqual({ cls: 'apple', x1: 10, y1: 20.5, x2: 30, y2: 40.25 });
  const pred = formatKittiPrediction({ cls: 'apple', x1: 1, y1: 2, x2: 3, y2: 4, score: 0.5 });
  expect(pred.split(' ')).toHaveLength(16);
  expect(parseKitti(pred, 'f').boxes[0].score).toBe(0.5);
});

test('outside the image, with half a pixel of tolerance', () => {
  expect(boxOutsideImage({ cls: 'a', x1: 0, y1: 0, x2: 100.4, y2: 50 }, 100, 50)).toBe(false);
  expect(boxOutsideImage({ cls: 'a', x1: -1, y1: 0, x2: 10, y2: 10 }, 100, 50)).toBe(true);
  expect(boxOutsideImage({ cls: 'a', x1: 0, y1: 0, x2: 10, y2: 51 }, 100, 50)).toBe(true);
});
