// COCO object-detection labels (one JSON file for many images), as CVAT, Label Studio and most tools export
// them: `images` [{id, file_name, width?, height?}], `annotations` [{id?, image_id, category_id, bbox:
// [x, y, w, h]}] in pixels, (x, y) the top-left corner, and `categories` [{id, name}]. Boxes become pixel
// edges: x1 = x, x2 = x + w. Images are tied to batch images by file_name's base name without extension.
// JSON has no useful line numbers once parsed, so each problem names its element: `annotations[3] (id 17)`.
import type { Box } from './kitti';
import type { Problem } from './problem';

export interface CocoImageLabels {
  /** The file_name's base name without extension. */
  name: string;
  width?: number;
  height?: number;
  boxes: Box[];
  /** Where each box came from, parallel to `boxes`: `annotations[3] (id 17)`. */
  elements: string[];
}

export interface ParsedCocoLabels {
  images: CocoImageLabels[];
  problems: Problem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** An id as the file wrote it (ids are numbers or strings; anything else is shown as JSON). */
const idText = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v));

/** Parses one COCO file's text; every problem names the file and the element; good annotations still parse. */
export function parseCocoLabels(text: string, file: string): ParsedCocoLabels {
  const out: ParsedCocoLabels = { images: [], problems: [] };
  const problem = (message: string) => out.problems.push({ file, message });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    problem(`malformed JSON: ${(err as Error).message}`);
    return out;
  }
  if (
    !isObject(doc) ||
    !Array.isArray(doc.images) ||
    !Array.isArray(doc.annotations) ||
    !Array.isArray(doc.categories)
  ) {
    problem('not a COCO file: expected an object with "images", "annotations" and "categories" arrays');
    return out;
  }
  const categories = new Map<unknown, string>();
  doc.categories.forEach((c, i) => {
    if (!isObject(c) || c.id === undefined || typeof c.name !== 'string' || !/^\S+$/.test(c.name))
      return problem(`categories[${i}]: needs an id and a one-word "name"`);
    categories.set(c.id, c.name.toLowerCase());
  });
  const byId = new Map<unknown, CocoImageLabels>();
  doc.images.forEach((img, i) => {
    if (!isObject(img) || img.id === undefined || typeof img.file_name !== 'string')
      return problem(`images[${i}]: needs an id and a "file_name"`);
    const base = img.file_name.split(/[\\/]/).pop()!;
    const name = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
    const labels: CocoImageLabels = {
      name,
      ...(finite(img.width) && finite(img.height) ? { width: img.width, height: img.height } : {}),
      boxes: [],
      elements: [],
    };
    if (byId.has(img.id)) return problem(`images[${i}]: a second image with id ${idText(img.id)}`);
    byId.set(img.id, labels);
    out.images.push(labels);
  });
  doc.annotations.forEach((a, i) => {
    const element = `annotations[${i}]${isObject(a) && a.id !== undefined ? ` (id ${idText(a.id)})` : ''}`;
    if (!isObject(a)) return problem(`${element}: not an object`);
    const image = byId.get(a.image_id);
    if (!image) return problem(`${element}: image_id ${idText(a.image_id)} is not in "images"`);
    const cls = categories.get(a.category_id);
    if (!cls) return problem(`${element}: category_id ${idText(a.category_id)} is not in "categories"`);
    const bbox = a.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(finite))
      return problem(`${element}: "bbox" must be [x, y, width, height] in pixels`);
    const [x, y, w, h] = bbox;
    if (!(w > 0 && h > 0)) return problem(`${element}: empty box (width ${w}, height ${h})`);
    image.boxes.push({ cls, x1: x, y1: y, x2: x + w, y2: y + h });
    image.elements.push(element);
  });
  return out;
}

/** The problem when a COCO image entry gives a size other than the image's own; null when it agrees or gives none. */
export function cocoSizeMismatch(img: CocoImageLabels, image: { width: number; height: number }): string | null {
  if (img.width === undefined || (img.width === image.width && img.height === image.height)) return null;
  return `image ${img.name}: the file says ${img.width}x${img.height} but the image is ${image.width}x${image.height}`;
}
