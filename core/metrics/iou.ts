// Intersection over union of two boxes in continuous pixel-edge coordinates: area = (x2-x1)*(y2-y1),
// with no +1 (the old VOC devkit's +1 belongs to integer pixel-index boxes, which pomona does not use).
import type { Box } from '../formats/kitti';

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}
