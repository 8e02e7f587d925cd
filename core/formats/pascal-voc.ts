// Pascal VOC annotations: one XML file per image, an <annotation> with an optional <size> and one <object>
// per box (<name>, <bndbox> with xmin, ymin, xmax, ymax), as LabelImg, CVAT and deepforest write them.
// Coordinates are used as written, as pixel-edge coordinates: x1 = xmin, y1 = ymin, x2 = xmax, y2 = ymax.
// The VOC devkit defines them as 1-based inclusive pixel indices, but most tools write 0-based values and
// readers (torchvision, deepforest) take them as they are; a file written to the devkit's rule then reads
// shifted by at most one pixel, never outside its image. <difficult>, <truncated>, <pose> and <filename>
// are not read: every object is an ordinary box (KITTI has no such flags), and files are tied to images by
// base name, not by <filename> (which often names the original, e.g. a .tif).
// Class names are lowercased (TAO lowercases classes; pomona compares them case-insensitively).
import { XMLParser, XMLValidator, type XMLMetaData } from 'fast-xml-parser';
import { DECIMAL, type Box } from './kitti';
import type { Problem } from './problem';

export interface ParsedVoc {
  /** <size> width and height, when the file gives them as numbers. */
  size?: { width: number; height: number; line: number };
  boxes: Box[];
  /** 1-based line of each box's <bndbox>, parallel to `boxes`. */
  lines: number[];
  /** 1-based line of each box's <name>, parallel to `boxes` (where a class problem points). */
  nameLines: number[];
  problems: Problem[];
  /** False when the file cannot be used at all (malformed XML, no <annotation>); then there are no boxes. */
  readable: boolean;
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
const TEXT = '#text';

/** An element as parsed with alwaysCreateTextNode: its text under '#text', children by tag, its offset under META. */
type Element = Record<string | symbol, unknown>;

/** An element's text content: a string or number the parser read, else empty. */
const textOf = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

const isElement = (node: unknown): node is Element => typeof node === 'object' && node !== null && !Array.isArray(node);

/** Line of each character offset, by binary search over the offsets where lines start. */
function lineFinder(text: string): (node: unknown) => number | undefined {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (node) => {
    const offset = isElement(node) ? (node[META] as XMLMetaData | undefined)?.startIndex : undefined;
    if (offset === undefined) return undefined;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const hasChildren = (el: Element) => Object.keys(el).some((k) => k !== TEXT);

type Found<T> = ({ ok: true } & T) | { ok: false; why: string; at?: unknown };

/** A child element that must appear once: a repeat is named at its second occurrence. */
function onlyChild(parent: Element, tag: string): Found<{ el: Element }> {
  const value = parent[tag];
  if (value === undefined) return { ok: false, why: `no <${tag}>` };
  if (Array.isArray(value)) return { ok: false, why: `more than one <${tag}>`, at: value[1] };
  return isElement(value) ? { ok: true, el: value } : { ok: false, why: `<${tag}> is not an element` };
}

function childText(parent: Element, tag: string): Found<{ text: string }> {
  const child = onlyChild(parent, tag);
  if (!child.ok) return child;
  if (hasChildren(child.el)) return { ok: false, why: `<${tag}> holds elements, not text`, at: child.el };
  return { ok: true, text: textOf(child.el[TEXT]) };
}

function childNumber(parent: Element, tag: string): Found<{ value: number }> {
  const child = childText(parent, tag);
  if (!child.ok) return child;
  const at = parent[tag];
  if (!DECIMAL.test(child.text)) return { ok: false, why: `<${tag}> is not a number: "${child.text}"`, at };
  const value = Number(child.text);
  if (!Number.isFinite(value)) return { ok: false, why: `<${tag}> is not finite: "${child.text}"`, at };
  return { ok: true, value };
}

// Values stay strings (numbers are checked here, with the same rule as KITTI fields); every element becomes
// an object (alwaysCreateTextNode), so each one carries its offset in the text, for line numbers; <object>
// is always a list.
const parser = () =>
  new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    alwaysCreateTextNode: true,
    captureMetaData: true,
    isArray: (_tag, jPath) => jPath === 'annotation.object',
  });

/** Parses one VOC file's text; every problem names `file:line` and the element; good objects still parse. */
export function parseVoc(text: string, file: string): ParsedVoc {
  const out: ParsedVoc = { boxes: [], lines: [], nameLines: [], problems: [], readable: false };
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    out.problems.push({ file, line, message: `malformed XML: ${msg}${col ? ` (column ${col})` : ''}` });
    return out;
  }
  let doc: unknown;
  try {
    doc = parser().parse(text);
  } catch (err) {
    out.problems.push({ file, message: `malformed XML: ${(err as Error).message}` });
    return out;
  }
  const lineOf = lineFinder(text);
  const root = isElement(doc) ? doc.annotation : undefined;
  if (!isElement(root) || (!hasChildren(root) && textOf(root[TEXT]).trim() !== '')) {
    const why =
      root === undefined
        ? 'no <annotation> element'
        : Array.isArray(root)
          ? 'more than one <annotation> element'
          : '<annotation> holds text, not elements';
    out.problems.push({
      file,
      line: lineOf(Array.isArray(root) ? root[1] : root),
      message: `not a Pascal VOC file: ${why}`,
    });
    return out;
  }
  out.readable = true;
  const rootLine = lineOf(root) ?? 1;
  // Each problem is on the line of the element it names, else of the nearest element around it.
  const problem = (found: { why: string; at?: unknown }, fallbackLine: number, prefix: string): void => {
    out.problems.push({ file, line: lineOf(found.at) ?? fallbackLine, message: `${prefix}${found.why}` });
  };

  if (root.size !== undefined) {
    const size = onlyChild(root, 'size');
    if (!size.ok) problem(size, rootLine, '');
    else {
      const sizeLine = lineOf(size.el) ?? rootLine;
      const width = childNumber(size.el, 'width');
      const height = childNumber(size.el, 'height');
      for (const r of [width, height]) if (!r.ok) problem(r, sizeLine, '<size>: ');
      if (width.ok && height.ok) out.size = { width: width.value, height: height.value, line: sizeLine };
    }
  }

  const objects = (root.object as unknown[] | undefined) ?? [];
  objects.forEach((object, index) => {
    const objectLine = lineOf(object) ?? rootLine;
    const where = `<object> ${index + 1}`;
    if (!isElement(object)) return; // isArray and alwaysCreateTextNode make every <object> an element
    const name = childText(object, 'name');
    if (!name.ok) return problem(name, objectLine, `${where}: `);
    if (name.text === '') return problem({ why: 'empty <name>', at: object.name }, objectLine, `${where}: `);
    const cls = name.text.toLowerCase();
    if (!/^\S+$/.test(cls))
      return problem(
        { why: `class "${name.text}" has spaces (KITTI class names are one word)`, at: object.name },
        objectLine,
        `${where}: `,
      );
    const bndbox = onlyChild(object, 'bndbox');
    if (!bndbox.ok) return problem(bndbox, objectLine, `${where} (${cls}): `);
    const boxLine = lineOf(bndbox.el) ?? objectLine;
    const values: number[] = [];
    for (const tag of ['xmin', 'ymin', 'xmax', 'ymax']) {
      const r = childNumber(bndbox.el, tag);
      if (r.ok) values.push(r.value);
      else problem({ ...r, why: `${r.why} in <bndbox>` }, boxLine, `${where} (${cls}): `);
    }
    if (values.length < 4) return;
    const [x1, y1, x2, y2] = values;
    if (!(x1 < x2 && y1 < y2)) {
      return problem(
        { why: `empty box: xmin=${x1} ymin=${y1} xmax=${x2} ymax=${y2} (needs xmin < xmax and ymin < ymax)` },
        boxLine,
        `${where} (${cls}): `,
      );
    }
    out.boxes.push({ cls, x1, y1, x2, y2 });
    out.lines.push(boxLine);
    out.nameLines.push(lineOf(object.name) ?? objectLine);
  });
  return out;
}
