import { labelConfig, modelVersion, NO_OBJECTS_CHOICE, prediction, readAnnotation } from './label-studio';

const image = { width: 200, height: 100 };
const rect = (x: number, y: number, width: number, height: number, label = 'apple', rotation = 0) => ({
  from_name: 'label',
  to_name: 'image',
  type: 'rectanglelabels',
  original_width: 200,
  original_height: 100,
  value: { x, y, width, height, rotation, rectanglelabels: [label] },
});
const noObjects = { from_name: 'empty', to_name: 'image', type: 'choices', value: { choices: [NO_OBJECTS_CHOICE] } };

test('the labelling config has one label per class (escaped) and the no-objects choice', () => {
  const xml = labelConfig(['apple', 'a"b']);
  expect(xml).toContain('<Label value="apple"/><Label value="a&#34;b"/>');
  expect(xml).toContain('<RectangleLabels name="label" toName="image">');
  expect(xml).toContain(`<Choice value="${NO_OBJECTS_CHOICE}"/>`);
});

test('pre-labels are percent of the image, ranked by pick order, and read back as the same pixel boxes', () => {
  const boxes = [{ cls: 'apple', x1: 20, y1: 10, x2: 60, y2: 35, score: 0.8 }];
  const p = prediction(boxes, image, 3, 2, 8);
  expect(p.model_version).toBe(modelVersion(3));
  expect(p.score).toBe(0.25);
  expect(p.cluster).toBe(2);
  expect(p.result[0].value).toEqual({ x: 10, y: 10, width: 20, height: 25, rotation: 0, rectanglelabels: ['apple'] });
  expect(p.result[0].score).toBe(0.8);
  const back = readAnnotation(p.result, image, ['Apple']);
  expect(back.problems).toEqual([]);
  expect(back.boxes).toHaveLength(1);
  const [b] = back.boxes;
  expect(b.cls).toBe('Apple');
  for (const [got, want] of [
    [b.x1, 20],
    [b.y1, 10],
    [b.x2, 60],
    [b.y2, 35],
  ])
    expect(got).toBeCloseTo(want, 9);
});

test('an annotation with problems names each region', () => {
  const read = readAnnotation(
    [rect(10, 10, 10, 10, 'pear'), rect(95, 10, 10, 10), rect(10, 10, 10, 10, 'apple', 30), rect(1, 1, 5, 5)],
    image,
    ['apple'],
  );
  expect(read.boxes).toHaveLength(1);
  expect(read.problems).toEqual([
    'region 1: class "pear" is not one of apple',
    'region 2: box (190.0, 10.0, 210.0, 20.0) lies outside the 200x100 image',
    'region 3: a rotated rectangle (30 degrees); boxes must be axis-aligned',
  ]);
});

test('an empty result needs the no-objects choice, and the choice no boxes', () => {
  expect(readAnnotation([], image, ['apple']).problems[0]).toMatch(/^no boxes: draw the objects, or choose/);
  expect(readAnnotation([noObjects], image, ['apple'])).toEqual({ boxes: [], problems: [] });
  expect(readAnnotation([noObjects, rect(1, 1, 5, 5)], image, ['apple']).problems).toEqual([
    '"no objects" is chosen but 1 box(es) are drawn: keep one of the two',
  ]);
});
