// Label Studio's JSON for image boxes (shared/reference/label-studio.md): the labelling config built from
// the loop's classes, a round's pre-labels as one prediction, and people's annotations read back as boxes.
// Label Studio keeps a rectangle in percent (0-100) of the image, (x, y) its top-left corner; pomona keeps
// pixel edges (core/formats/kitti.ts): x1 = x * W / 100, x2 = (x + width) * W / 100.
import { boxOutsideImage, type Box } from './kitti';
import { escapeXml } from './xml-escape';

/** The names the labelling config gives its controls; results refer to them in from_name/to_name. */
export const LABEL_STUDIO_CONTROLS = { image: 'image', boxes: 'label', empty: 'empty' } as const;
/** The choice that says an image truly has no objects (an empty result alone may be a slip). */
export const NO_OBJECTS_CHOICE = 'no objects';

export interface LabelStudioRegion {
  id?: string;
  from_name: string;
  to_name: string;
  type: string;
  original_width?: number;
  original_height?: number;
  image_rotation?: number;
  value: {
    x?: number;
    y?: number;
    width?: number;
    height?: number;
    rotation?: number;
    rectanglelabels?: string[];
    choices?: string[];
  };
  score?: number;
}

export interface LabelStudioPrediction {
  model_version: string;
  score: number;
  cluster: number;
  result: LabelStudioRegion[];
}

/** A RectangleLabels config for `classes`, and the "no objects" choice. */
export function labelConfig(classes: readonly string[]): string {
  const { image, boxes, empty } = LABEL_STUDIO_CONTROLS;
  const labels = classes.map((c) => `<Label value="${escapeXml(c)}"/>`).join('');
  return (
    `<View><Image name="${image}" value="$image" zoom="true"/>` +
    `<RectangleLabels name="${boxes}" toName="${image}">${labels}</RectangleLabels>` +
    `<Choices name="${empty}" toName="${image}" showInline="true"><Choice value="${NO_OBJECTS_CHOICE}"/></Choices></View>`
  );
}

/** The model version a round's pre-labels carry; the project's must equal it for the uncertainty queue. */
export function modelVersion(round: number): string {
  return `pomona-round-${round}`;
}

/**
 * One image's pre-labels as a single prediction (Label Studio shows each prediction as one model run).
 * `rank` is the image's place in pomona's pick order (0 = first picked), `of` the batch size: Label
 * Studio's "Uncertainty sampling" queue serves the lowest prediction score first, so score = rank / of
 * makes the queue follow pomona's selection (most uncertain and most diverse first, as its method ranks
 * them); cluster = rank keeps every image its own cluster, so the queue's tie-break changes nothing.
 */
export function prediction(
  boxes: readonly Box[],
  image: { width: number; height: number },
  round: number,
  rank: number,
  of: number,
): LabelStudioPrediction {
  return {
    model_version: modelVersion(round),
    score: of > 0 ? rank / of : 0,
    cluster: rank,
    result: regions(boxes, image, `r${round}b`),
  };
}

/** Boxes as Label Studio rectangles (percent of the image), ids `<idPrefix><index>`. */
export function regions(
  boxes: readonly Box[],
  image: { width: number; height: number },
  idPrefix: string,
): LabelStudioRegion[] {
  const { width: W, height: H } = image;
  return boxes.map((b, i): LabelStudioRegion => ({
    id: `${idPrefix}${i}`,
    from_name: LABEL_STUDIO_CONTROLS.boxes,
    to_name: LABEL_STUDIO_CONTROLS.image,
    type: 'rectanglelabels',
    original_width: W,
    original_height: H,
    image_rotation: 0,
    value: {
      x: (100 * b.x1) / W,
      y: (100 * b.y1) / H,
      width: (100 * (b.x2 - b.x1)) / W,
      height: (100 * (b.y2 - b.y1)) / H,
      rotation: 0,
      rectanglelabels: [b.cls],
    },
    ...(b.score === undefined ? {} : { score: b.score }),
  }));
}

/** A person's answer for an image: its boxes, or the "no objects" choice when it has none. */
export function annotationResult(boxes: readonly Box[], image: { width: number; height: number }): LabelStudioRegion[] {
  if (boxes.length) return regions(boxes, image, 'a');
  const { empty, image: toName } = LABEL_STUDIO_CONTROLS;
  return [{ from_name: empty, to_name: toName, type: 'choices', value: { choices: [NO_OBJECTS_CHOICE] } }];
}

export interface ReadAnnotation {
  boxes: Box[];
  /** What makes the annotation unusable, each a sentence; empty when the boxes can be imported. */
  problems: string[];
}

/**
 * An annotation's result as pixel boxes, checked as folder submissions are (core/dataset/validate-
 * annotations.ts): every region a rectangle with one label of `classes` (case-insensitive), no rotation,
 * inside the image (0.5 px tolerance); an empty result only with the "no objects" choice.
 */
export function readAnnotation(
  result: readonly LabelStudioRegion[],
  image: { width: number; height: number },
  classes: readonly string[],
): ReadAnnotation {
  const allowed = new Map(classes.map((c) => [c.toLowerCase(), c]));
  const boxes: Box[] = [];
  const problems: string[] = [];
  let noObjects = false;
  result.forEach((region, i) => {
    const at = `region ${i + 1}`;
    if (region.type === 'choices') {
      if (region.value.choices?.includes(NO_OBJECTS_CHOICE)) noObjects = true;
      return;
    }
    if (region.type !== 'rectanglelabels') {
      problems.push(`${at}: a ${region.type} region; only rectangles with a label are imported`);
      return;
    }
    const { x, y, width, height, rotation, rectanglelabels } = region.value;
    const labels = rectanglelabels ?? [];
    if (labels.length !== 1) {
      problems.push(`${at}: ${labels.length} labels on one rectangle; give it exactly one`);
      return;
    }
    const cls = allowed.get(labels[0].toLowerCase());
    if (!cls) {
      problems.push(`${at}: class "${labels[0]}" is not one of ${classes.join(', ')}`);
      return;
    }
    if (![x, y, width, height].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      problems.push(`${at}: the rectangle has no x, y, width and height`);
      return;
    }
    if (rotation && Math.abs(rotation) > 1e-6) {
      problems.push(`${at}: a rotated rectangle (${rotation} degrees); boxes must be axis-aligned`);
      return;
    }
    // The size Label Studio measured is the truth for percent; pomona's manifest gives it when absent.
    const W = region.original_width ?? image.width;
    const H = region.original_height ?? image.height;
    const box: Box = {
      cls,
      x1: (x! * W) / 100,
      y1: (y! * H) / 100,
      x2: ((x! + width!) * W) / 100,
      y2: ((y! + height!) * H) / 100,
    };
    if (box.x2 - box.x1 <= 0 || box.y2 - box.y1 <= 0) {
      problems.push(`${at}: an empty rectangle`);
      return;
    }
    if (boxOutsideImage(box, image.width, image.height)) {
      const px = [box.x1, box.y1, box.x2, box.y2].map((v) => v.toFixed(1)).join(', ');
      problems.push(`${at}: box (${px}) lies outside the ${image.width}x${image.height} image`);
      return;
    }
    boxes.push(box);
  });
  if (boxes.length === 0 && problems.length === 0 && !noObjects)
    problems.push(`no boxes: draw the objects, or choose "${NO_OBJECTS_CHOICE}" if the image has none`);
  if (noObjects && boxes.length > 0)
    problems.push(`"${NO_OBJECTS_CHOICE}" is chosen but ${boxes.length} box(es) are drawn: keep one of the two`);
  return { boxes, problems };
}
