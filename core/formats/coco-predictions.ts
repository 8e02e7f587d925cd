// Predictions as a COCO detection file (the `instances` layout, with a score per annotation), for tools
// that read COCO: images with their sizes, one category per class name (ids from 1, names sorted), boxes
// as [x, y, width, height] in pixels.
import type { Box } from './kitti';
import type { ImageFile } from './images';

export interface CocoPredictions {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area: number; score: number }[];
  categories: { id: number; name: string }[];
}

export function cocoPredictions(
  images: readonly ImageFile[],
  boxes: ReadonlyMap<string, readonly Box[]>,
): CocoPredictions {
  const names = [...new Set([...boxes.values()].flat().map((b) => b.cls))].sort();
  const categoryId = new Map(names.map((name, i) => [name, i + 1]));
  const coco: CocoPredictions = {
    images: [],
    annotations: [],
    categories: names.map((name, i) => ({ id: i + 1, name })),
  };
  images.forEach((image, i) => {
    coco.images.push({ id: i + 1, file_name: image.file.split('/').pop()!, width: image.width, height: image.height });
    for (const box of boxes.get(image.name) ?? []) {
      const [w, h] = [box.x2 - box.x1, box.y2 - box.y1];
      coco.annotations.push({
        id: coco.annotations.length + 1,
        image_id: i + 1,
        category_id: categoryId.get(box.cls)!,
        bbox: [box.x1, box.y1, w, h],
        area: w * h,
        score: box.score ?? 1,
      });
    }
  });
  return coco;
}
