// Boxes written in the label formats other tools import (the reverse of yolo-labels.ts and pascal-voc.ts),
// so a batch's pre-labels can be opened in CVAT, LabelImg or Label Studio and handed back in the same format.
import type { Box } from './kitti';
import { escapeXml } from './xml-escape';

const fraction = (v: number) => Number(v.toFixed(6)).toString();

/** One YOLO label file: `CLASS_INDEX cx cy w h` as fractions of the image; classes outside `classes` are left out. */
export function yoloLabels(boxes: readonly Box[], classes: readonly string[], width: number, height: number): string {
  const index = new Map(classes.map((c, i) => [c.toLowerCase(), i]));
  const lines = boxes.flatMap((b) => {
    const i = index.get(b.cls.toLowerCase());
    if (i === undefined) return [];
    const [cx, cy] = [(b.x1 + b.x2) / 2 / width, (b.y1 + b.y2) / 2 / height];
    const [w, h] = [(b.x2 - b.x1) / width, (b.y2 - b.y1) / height];
    return [`${i} ${[cx, cy, w, h].map(fraction).join(' ')}`];
  });
  return lines.length ? lines.join('\n') + '\n' : '';
}

const pixel = (v: number) => Number(v.toFixed(2)).toString();

/** One Pascal VOC annotation file for an image, coordinates as pixel edges (as pomona reads them). */
export function vocAnnotation(fileName: string, width: number, height: number, boxes: readonly Box[]): string {
  const objects = boxes.map((b) =>
    [
      '  <object>',
      `    <name>${escapeXml(b.cls)}</name>`,
      '    <bndbox>',
      `      <xmin>${pixel(b.x1)}</xmin><ymin>${pixel(b.y1)}</ymin><xmax>${pixel(b.x2)}</xmax><ymax>${pixel(b.y2)}</ymax>`,
      '    </bndbox>',
      '  </object>',
    ].join('\n'),
  );
  return [
    '<annotation>',
    `  <filename>${escapeXml(fileName)}</filename>`,
    `  <size><width>${width}</width><height>${height}</height><depth>3</depth></size>`,
    ...objects,
    '</annotation>',
    '',
  ].join('\n');
}
