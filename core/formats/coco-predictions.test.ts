import { cocoPredictions } from './coco-predictions';

test('predictions become COCO images, categories and [x, y, w, h] boxes with scores', () => {
  const images = [
    { name: 'b', file: '/d/b.jpg', width: 640, height: 360 },
    { name: 'a', file: '/d/a.png', width: 100, height: 50 },
  ];
  const boxes = new Map([
    ['a', [{ cls: 'pear', x1: 1, y1: 2, x2: 11, y2: 7, score: 0.5 }]],
    [
      'b',
      [
        { cls: 'apple', x1: 10, y1: 20, x2: 40, y2: 30, score: 0.9 },
        { cls: 'pear', x1: 0, y1: 0, x2: 2, y2: 2, score: 0.1 },
      ],
    ],
  ]);
  expect(cocoPredictions(images, boxes)).toEqual({
    images: [
      { id: 1, file_name: 'b.jpg', width: 640, height: 360 },
      { id: 2, file_name: 'a.png', width: 100, height: 50 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 30, 10], area: 300, score: 0.9 },
      { id: 2, image_id: 1, category_id: 2, bbox: [0, 0, 2, 2], area: 4, score: 0.1 },
      { id: 3, image_id: 2, category_id: 2, bbox: [1, 2, 10, 5], area: 50, score: 0.5 },
    ],
    categories: [
      { id: 1, name: 'apple' },
      { id: 2, name: 'pear' },
    ],
  });
  expect(cocoPredictions(images, new Map())).toMatchObject({ annotations: [], categories: [] });
});
