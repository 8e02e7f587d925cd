// Pre-labels written as YOLO, Pascal VOC and COCO read back as the same pixel boxes.
import { parseCocoLabels } from './coco-labels';
import { cocoPredictions } from './coco-predictions';
import type { Box } from './kitti';
import { vocAnnotation, yoloLabels } from './label-exports';
import { parseVoc } from './pascal-voc';
import { parseYolo } from './yolo-labels';

const boxes: Box[] = [
  { cls: 'apple', x1: 20, y1: 10, x2: 60, y2: 35 },
  { cls: 'leaf', x1: 0.5, y1: 2.25, x2: 199, y2: 99.75 },
];
const close = (got: Box[], want: Box[]) => {
  expect(got.map((b) => b.cls)).toEqual(want.map((b) => b.cls));
  got.forEach((b, i) => {
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(b[k]).toBeCloseTo(want[i][k], 3);
  });
};

test('YOLO: classes by index, outside the list left out', () => {
  const text = yoloLabels([...boxes, { cls: 'pear', x1: 1, y1: 1, x2: 2, y2: 2 }], ['apple', 'leaf'], 200, 100);
  expect(text.split('\n')[0]).toBe('0 0.2 0.225 0.2 0.25');
  const parsed = parseYolo(text, 'a.txt', ['apple', 'leaf'], 200, 100);
  expect(parsed.problems).toEqual([]);
  close(parsed.boxes, boxes);
  expect(yoloLabels([], ['apple'], 200, 100)).toBe('');
});

test('Pascal VOC', () => {
  const parsed = parseVoc(vocAnnotation('a & b.png', 200, 100, boxes), 'a.xml');
  expect(parsed.problems).toEqual([]);
  expect(parsed.size).toMatchObject({ width: 200, height: 100 });
  close(parsed.boxes, boxes);
});

test('COCO', () => {
  const coco = cocoPredictions([{ name: 'a', file: '/d/a.png', width: 200, height: 100 }], new Map([['a', boxes]]));
  const parsed = parseCocoLabels(JSON.stringify(coco), 'p.json');
  expect(parsed.problems).toEqual([]);
  expect(parsed.images.map((i) => i.name)).toEqual(['a']);
  close(parsed.images[0].boxes, boxes);
});
