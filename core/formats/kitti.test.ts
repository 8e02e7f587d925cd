import { boxOutsideImage, formatKittiFile, formatKittiLabel, formatKittiPrediction, parseKitti } from './kitti';

test('parses labels and predictions, skipping blank lines (CRLF too)', () => {
  const text =
    'apple 0.00 0 0.00 587.01 173.33 614.12 200.12 0.00 0.00 0.00 0.00 0.00 0.00 0.00\r\n\r\n  \napple 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.873\n';
  const parsed = parseKitti(text, 'a.txt');
  expect(parsed.problems).toEqual([]);
  expect(parsed.boxes).toEqual([
    { cls: 'apple', x1: 587.01, y1: 173.33, x2: 614.12, y2: 200.12 },
    { cls: 'apple', x1: 1, y1: 2, x2: 3, y2: 4, score: 0.873 },
  ]);
  expect(parsed.lines).toEqual([1, 4]);
});

test('an empty file is no boxes and no problems', () => {
  expect(parseKitti('', 'e.txt')).toEqual({ boxes: [], lines: [], problems: [] });
  expect(parseKitti('\n\n', 'e.txt').problems).toEqual([]);
});

test.each([
  ['apple 0 0 0 1 2 3', 'expected 15 fields (16 with a score), found 7'],
  ['apple 0 0 0 1 2 3 4 0 0 0 0 0 0 0 0.5 9', 'found 17'],
  ['apple 0 0 0 a 2 3 4 0 0 0 0 0 0 0', 'field 5 is not a number: "a"'],
  ['apple 0 0 0 0x10 2 30 4 0 0 0 0 0 0 0', 'field 5 is not a number: "0x10"'],
  ['apple 0 0 0 1 2 3 NaN 0 0 0 0 0 0 0', 'field 8 is not a number: "NaN"'],
  ['apple 0 0 0 1 2 3 Infinity 0 0 0 0 0 0 0', 'field 8 is not a number'],
  ['apple 0 0 0 1 2 3 1e999 0 0 0 0 0 0 0', 'field 8 is not finite'],
  ['apple 0 0 0 5 2 3 4 0 0 0 0 0 0 0', 'empty box: x1=5 y1=2 x2=3 y2=4'],
  ['apple 0 0 0 3 2 3 4 0 0 0 0 0 0 0', 'needs x1 < x2 and y1 < y2'],
  ['apple 0 0 0 1 4 3 4 0 0 0 0 0 0 0', 'empty box'],
])('%s -> problem "%s" at file:line, other lines still parse', (line, message) => {
  const parsed = parseKitti(`apple 0 0 0 1 2 3 4 0 0 0 0 0 0 0\n${line}\n`, 'lbl/x.txt');
  expect(parsed.boxes).toHaveLength(1);
  expect(parsed.problems).toEqual([{ file: 'lbl/x.txt', line: 2, message: expect.stringContaining(message) }]);
});

test('numbers in exponent and signed forms are accepted', () => {
  expect(parseKitti('apple -1 0 0 1e1 +2 .3e2 4.5E1 0 0 0 0 0 0 0', 'f').boxes).toEqual([
    { cls: 'apple', x1: 10, y1: 2, x2: 30, y2: 45 },
  ]);
});

test('kind "label" wants 15 fields, kind "prediction" 16 and tolerates zero-size boxes', () => {
  const label = 'apple 0 0 0 1 2 3 4 0 0 0 0 0 0 0';
  const pred = `${label} 0.9`;
  expect(parseKitti(pred, 'f', 'label').problems[0].message).toBe('expected 15 fields, found 16');
  expect(parseKitti(label, 'f', 'prediction').problems[0].message).toBe('expected 16 fields (score last), found 15');
  expect(parseKitti('apple 0 0 0 5 2 5 4 0 0 0 0 0 0 0 0.1', 'f', 'prediction').boxes).toEqual([
    { cls: 'apple', x1: 5, y1: 2, x2: 5, y2: 4, score: 0.1 },
  ]);
  expect(parseKitti('apple 0 0 0 6 2 5 4 0 0 0 0 0 0 0 0.1', 'f', 'prediction').problems[0].message).toContain(
    'needs x1 <= x2',
  );
});

test('DontCare regions are skipped, but still have to be well-formed', () => {
  const parsed = parseKitti(
    'DontCare -1 -1 -10 503.89 169.71 590.61 190.13 -1 -1 -1 -1000 -1000 -1000 -10\nDontCare 1 2\n',
    'f',
  );
  expect(parsed.boxes).toEqual([]);
  expect(parsed.problems).toEqual([{ file: 'f', line: 2, message: expect.stringContaining('expected 15 fields') }]);
});

test('formats round-trip: 15 and 16 fields, occlusion written as an integer, two decimals', () => {
  const label = formatKittiLabel({ cls: 'apple', x1: 10, y1: 20.5, x2: 30, y2: 40.25 });
  expect(label).toBe('apple 0.00 0 0.00 10.00 20.50 30.00 40.25 0.00 0.00 0.00 0.00 0.00 0.00 0.00');
  expect(parseKitti(label, 'f', 'label').boxes[0]).toEqual({ cls: 'apple', x1: 10, y1: 20.5, x2: 30, y2: 40.25 });
  const pred = formatKittiPrediction({ cls: 'apple', x1: 1, y1: 2, x2: 3.456, y2: 4, score: 0.87654 });
  expect(pred).toBe('apple 0 0 0 1.00 2.00 3.46 4.00 0 0 0 0 0 0 0 0.8765');
  expect(parseKitti(pred, 'f', 'prediction').boxes[0]).toEqual({
    cls: 'apple',
    x1: 1,
    y1: 2,
    x2: 3.46,
    y2: 4,
    score: 0.8765,
  });
  expect(formatKittiPrediction({ cls: 'apple', x1: 1, y1: 2, x2: 3, y2: 4 }).endsWith(' 1.0000')).toBe(true);
  expect(formatKittiFile([])).toBe('');
  expect(formatKittiFile([{ cls: 'a', x1: 0, y1: 0, x2: 1, y2: 1, score: 0.5 }], 'prediction')).toBe(
    'a 0 0 0 0.00 0.00 1.00 1.00 0 0 0 0 0 0 0 0.5000\n',
  );
});

test('formatters refuse what could not be read back', () => {
  expect(() => formatKittiLabel({ cls: 'green apple', x1: 0, y1: 0, x2: 1, y2: 1 })).toThrow('one word');
  expect(() => formatKittiLabel({ cls: 'apple', x1: NaN, y1: 0, x2: 1, y2: 1 })).toThrow('non-finite');
  expect(() => formatKittiPrediction({ cls: 'apple', x1: 0, y1: 0, x2: 1, y2: 1, score: Infinity })).toThrow(
    'non-finite score',
  );
});

test('outside the image, with half a pixel of tolerance on each side', () => {
  const inside = (x1: number, y1: number, x2: number, y2: number) =>
    !boxOutsideImage({ cls: 'a', x1, y1, x2, y2 }, 100, 50);
  expect(inside(0, 0, 100, 50)).toBe(true);
  expect(inside(-0.5, -0.5, 100.5, 50.5)).toBe(true);
  expect(inside(-0.51, 0, 10, 10)).toBe(false);
  expect(inside(0, -0.51, 10, 10)).toBe(false);
  expect(inside(0, 0, 100.51, 10)).toBe(false);
  expect(inside(0, 0, 10, 51)).toBe(false);
});
