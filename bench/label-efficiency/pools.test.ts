import { boxesInTile, tileOrigins } from './pools';

test('tile origins: every tile px, the last flush with the edge; one tile when the side is short', () => {
  expect(tileOrigins(2299, 200)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 2099]);
  expect(tileOrigins(400, 200)).toEqual([0, 200]);
  expect(tileOrigins(150, 200)).toEqual([0]);
});

test('a crown cut by a tile edge is kept, clipped, when half of it is inside', () => {
  const crown = (x1: number, y1: number, x2: number, y2: number) => ({ cls: 'Tree', x1, y1, x2, y2 });
  const boxes = [
    crown(210, 210, 250, 250),
    crown(180, 220, 240, 260),
    crown(170, 220, 210, 260),
    crown(500, 500, 540, 540),
  ];
  // tile at (200, 200): the first inside, the second 2/3 inside (kept, clipped), the third 1/4 inside (dropped)
  expect(boxesInTile(boxes, 200, 200, 200)).toEqual([
    { cls: 'tree', x1: 10, y1: 10, x2: 50, y2: 50 },
    { cls: 'tree', x1: 0, y1: 20, x2: 40, y2: 60 },
  ]);
  expect(boxesInTile(boxes, 0, 0, 200)).toEqual([]);
});
