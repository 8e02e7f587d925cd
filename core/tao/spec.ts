// The YOLOv4 experiment spec (protobuf text format) in each dialect, and TAO's own checks on it, made
// before launching so a bad value fails fast with a clear message instead of minutes into a container.
// Facts: shared/reference/tao-yolov4.md. Unknown fields are a parse error in TAO, so the dialect decides
// which fields exist: TLT 3.0 has no `matching_neutral_box_iou`; TAO 5 requires it; TAO 3.21/4.0 accept it.
import type { AnchorSet, TaoDialect } from './settings';

/** Where training starts: at most one of these fields may be set (pomona always sets exactly one). */
export type StartFrom = { kind: 'pretrain' | 'resume' | 'pruned'; path: string };

export interface TaoSpecInput {
  dialect: TaoDialect;
  seed: number;
  arch: string;
  nlayers: number;
  anchors: AnchorSet;
  boxMatchingIou: number;
  matchingNeutralBoxIou: number;
  batchSize: number;
  epochs: number;
  checkpointInterval: number;
  start: StartFrom;
  outputWidth: number;
  outputHeight: number;
  /** Container paths of the KITTI folders. */
  trainImages: string;
  trainLabels: string;
  validationImages: string;
  validationLabels: string;
  /** Label class (lowercase, as TAO reads it) -> target class, in a stable order. */
  classMapping: [string, string][];
  /** One extension (without the dot) when every image shares it; omitted for TLT 3.0. */
  imageExtension?: string;
}

// Fixed hyper-parameters, as in the MinneApple tutorial's spec (reference: tao-yolov4.md).
const FIXED = {
  learningRate: { min: 1e-7, max: 1e-4, softStart: 0.3 },
  l1: 3e-5,
  nms: { confidence: 0.001, iou: 0.5, topK: 200 },
  augmentation: {
    hue: 0.1,
    saturation: 1.5,
    exposure: 1.5,
    verticalFlip: 0,
    horizontalFlip: 0.5,
    jitter: 0.3,
    channels: 3,
    randomizeInputShapePeriod: 0,
    mosaicProb: 0.5,
    mosaicMinRatio: 0.2,
  },
};

/** A protobuf text message: fields in order; an array value repeats the field; `Enum` prints bare. */
type Scalar = number | string | boolean | Enum;
type Field = [name: string, value: Scalar | Message | Message[]];
type Message = Field[];
class Enum {
  constructor(readonly name: string) {}
}

/** The spec's content as a message tree (validated separately by `checkTaoSpec`). */
function specMessage(s: TaoSpecInput): Message {
  const anchorText = (triple: [number, number][]) =>
    `[${triple.map(([w, h]) => `(${w.toFixed(2)},${h.toFixed(2)})`).join(',')}]`;
  const yolo: Message = [
    ['big_anchor_shape', anchorText(s.anchors.big)],
    ['mid_anchor_shape', anchorText(s.anchors.mid)],
    ['small_anchor_shape', anchorText(s.anchors.small)],
    ['box_matching_iou', s.boxMatchingIou],
    ...(s.dialect === 'tlt3' ? [] : ([['matching_neutral_box_iou', s.matchingNeutralBoxIou]] as Field[])),
    ['arch', s.arch],
    ['nlayers', s.nlayers],
    ['arch_conv_blocks', 2],
    ['loss_loc_weight', 1.0],
    ['loss_neg_obj_weights', 1.0],
    ['loss_class_weights', 1.0],
    ['label_smoothing', 0.0],
    ['big_grid_xy_extend', 0.05],
    ['mid_grid_xy_extend', 0.1],
    ['small_grid_xy_extend', 0.2],
    ['freeze_bn', false],
    ['force_relu', false],
  ];
  const lr = FIXED.learningRate;
  const training: Message = [
    ['batch_size_per_gpu', s.batchSize],
    ['num_epochs', s.epochs],
    ['enable_qat', false],
    ['checkpoint_interval', s.checkpointInterval],
    [
      'learning_rate',
      [
        [
          'soft_start_cosine_annealing_schedule',
          [
            ['min_learning_rate', lr.min],
            ['max_learning_rate', lr.max],
            ['soft_start', lr.softStart],
          ],
        ],
      ],
    ],
    [
      'regularizer',
      [
        ['type', new Enum('L1')],
        ['weight', FIXED.l1],
      ],
    ],
    [
      'optimizer',
      [
        [
          'adam',
          [
            ['epsilon', 1e-7],
            ['beta1', 0.9],
            ['beta2', 0.999],
            ['amsgrad', false],
          ],
        ],
      ],
    ],
    [`${s.start.kind}_model_path`, s.start.path],
  ];
  const a = FIXED.augmentation;
  const augmentation: Message = [
    ['hue', a.hue],
    ['saturation', a.saturation],
    ['exposure', a.exposure],
    ['vertical_flip', a.verticalFlip],
    ['horizontal_flip', a.horizontalFlip],
    ['jitter', a.jitter],
    ['output_width', s.outputWidth],
    ['output_height', s.outputHeight],
    ['output_channel', a.channels],
    ['randomize_input_shape_period', a.randomizeInputShapePeriod],
    ['mosaic_prob', a.mosaicProb],
    ['mosaic_min_ratio', a.mosaicMinRatio],
  ];
  const dataset: Message = [
    [
      'data_sources',
      [
        ['label_directory_path', s.trainLabels],
        ['image_directory_path', s.trainImages],
      ],
    ],
    ['include_difficult_in_training', true],
    ...(s.imageExtension && s.dialect !== 'tlt3' ? ([['image_extension', s.imageExtension]] as Field[]) : []),
    [
      'target_class_mapping',
      s.classMapping.map(([key, value]): Message => [
        ['key', key],
        ['value', value],
      ]),
    ],
    [
      'validation_data_sources',
      [
        ['label_directory_path', s.validationLabels],
        ['image_directory_path', s.validationImages],
      ],
    ],
  ];
  return [
    ['random_seed', s.seed],
    ['yolov4_config', yolo],
    ['training_config', training],
    [
      'eval_config',
      [
        ['average_precision_mode', new Enum('SAMPLE')],
        ['batch_size', s.batchSize],
        ['matching_iou_threshold', 0.5],
      ],
    ],
    [
      'nms_config',
      [
        ['confidence_threshold', FIXED.nms.confidence],
        ['clustering_iou_threshold', FIXED.nms.iou],
        ['top_k', FIXED.nms.topK],
      ],
    ],
    ['augmentation_config', augmentation],
    ['dataset_config', dataset],
  ];
}

/** Protobuf text: `name: value` or `name { ... }`, two-space indents, strings JSON-quoted. */
function renderMessage(message: Message, indent = ''): string {
  let out = '';
  for (const [name, value] of message) {
    // A repeated message field holds Message[] (its first element's first element is a Field array);
    // a single message holds Field[] (its first element's first element is the field name).
    const values =
      Array.isArray(value) && value.length > 0 && Array.isArray(value[0]) && Array.isArray(value[0][0])
        ? (value as Message[])
        : [value];
    for (const v of values) {
      if (Array.isArray(v)) out += `${indent}${name} {\n${renderMessage(v as Message, `${indent}  `)}${indent}}\n`;
      else out += `${indent}${name}: ${renderScalar(v)}\n`;
    }
  }
  return out;
}

function renderScalar(v: Scalar): string {
  if (v instanceof Enum) return v.name;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  // Shortest round-trip form; protobuf's text parser reads "1e-07" and "0.5" alike.
  return String(v);
}

export class TaoSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`TAO spec rejected before launch: ${problems.join('; ')}`);
    this.name = 'TaoSpecError';
  }
}

/** The spec text; throws `TaoSpecError` listing every check TAO would fail. */
export function renderTaoSpec(input: TaoSpecInput): string {
  const problems = checkTaoSpec(input);
  if (problems.length) throw new TaoSpecError(problems);
  return renderMessage(specMessage(input));
}

const CHECKPOINT_NAME = /_epoch_(\d+)\.(tlt|hdf5)$/;

/**
 * TAO's checks on a YOLOv4 spec (TAO 5 source, as summarised in the reference), plus what the launcher
 * needs of paths: absolute container paths without spaces (arguments are joined unquoted).
 */
export function checkTaoSpec(s: TaoSpecInput): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  for (const [field, v] of [
    ['output_width', s.outputWidth],
    ['output_height', s.outputHeight],
  ] as const) {
    need(
      Number.isInteger(v) && v >= 32 && v % 32 === 0,
      `augmentation_config.${field} = ${v}: must be >= 32 and a multiple of 32`,
    );
  }
  for (const [field, v] of [
    ['batch_size_per_gpu', s.batchSize],
    ['num_epochs', s.epochs],
    ['checkpoint_interval', s.checkpointInterval],
  ] as const) {
    need(Number.isInteger(v) && v > 0, `training_config.${field} = ${v}: must be a positive integer`);
  }
  need(
    s.boxMatchingIou > 0 && s.boxMatchingIou <= 1,
    `yolov4_config.box_matching_iou = ${s.boxMatchingIou}: must be in (0, 1]`,
  );
  if (s.dialect === 'tao5') {
    need(
      s.matchingNeutralBoxIou > 0.25 && s.matchingNeutralBoxIou <= 1,
      `yolov4_config.matching_neutral_box_iou = ${s.matchingNeutralBoxIou}: TAO 5 needs 0.25 < v <= 1`,
    );
  }
  const a = FIXED.augmentation;
  need(
    a.hue >= 0 && a.hue <= 1 && a.jitter >= 0 && a.jitter <= 1,
    'augmentation_config hue and jitter must be in [0, 1]',
  );
  need(a.saturation >= 1 && a.exposure >= 1, 'augmentation_config saturation and exposure must be >= 1');
  need(a.mosaicMinRatio > 0 && a.mosaicMinRatio < 0.5, 'augmentation_config.mosaic_min_ratio must be in (0, 0.5)');
  for (const [name, triple] of Object.entries(s.anchors) as [string, [number, number][]][]) {
    need(
      triple.length === 3 && triple.every(([w, h]) => w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h)),
      `yolov4_config.${name}_anchor_shape: three positive (w, h) pairs needed`,
    );
  }
  need(s.classMapping.length > 0, 'dataset_config.target_class_mapping must not be empty');
  for (const [key] of s.classMapping)
    need(
      key === key.toLowerCase(),
      `target_class_mapping key "${key}": TAO lowercases label classes, so the key must be lowercase`,
    );
  need(
    new Set(s.classMapping.map(([key]) => key)).size === s.classMapping.length,
    'target_class_mapping has a duplicate key',
  );
  const paths: [string, string][] = [
    ['data_sources.image_directory_path', s.trainImages],
    ['data_sources.label_directory_path', s.trainLabels],
    ['validation_data_sources.image_directory_path', s.validationImages],
    ['validation_data_sources.label_directory_path', s.validationLabels],
    [`${s.start.kind}_model_path`, s.start.path],
  ];
  for (const [field, p] of paths)
    need(/^\/\S+$/.test(p), `${field} "${p}": must be an absolute container path without spaces`);
  // TAO takes the resume epoch from the checkpoint's file name; a renamed file fails inside the container.
  if (s.start.kind === 'resume')
    need(
      CHECKPOINT_NAME.test(s.start.path),
      `resume_model_path "${s.start.path}": the file name must keep TAO's "_epoch_NNN.tlt|hdf5" ending`,
    );
  return problems;
}
