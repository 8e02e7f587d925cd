// The `trainer.tao` section of the loop config: how the GPU worker drives NVIDIA TLT 3.0 / TAO YOLOv4.
// Pure zod (workflow code imports the config schema). Training length, batch, input size, seed and
// threshold come from `trainer` itself, shared with the torch backend.
import { z } from 'zod';

export const TAO_DIALECTS = ['tlt3', 'tao4', 'tao5'] as const;
export type TaoDialect = (typeof TAO_DIALECTS)[number];

const anchor = z
  .tuple([z.number().positive(), z.number().positive()])
  .describe('[width, height] in network-input pixels');
const anchorTriple = z.tuple([anchor, anchor, anchor]);

export type AnchorTriple = [number, number][];
export interface AnchorSet {
  small: AnchorTriple;
  mid: AnchorTriple;
  big: AnchorTriple;
}

/** The MinneApple tutorial's anchors (shared/reference/tao-yolov4.md), for a 1280x704 input. */
export function tutorialAnchors(): {
  small: [[number, number], [number, number], [number, number]];
  mid: [[number, number], [number, number], [number, number]];
  big: [[number, number], [number, number], [number, number]];
} {
  return {
    small: [
      [15.64, 12.0],
      [12.71, 18.0],
      [17.6, 22.0],
    ],
    mid: [
      [20.53, 21.0],
      [25.42, 20.0],
      [22.49, 29.0],
    ],
    big: [
      [29.33, 27.0],
      [32.27, 35.0],
      [41.07, 42.0],
    ],
  };
}

export const taoSettingsSchema = z
  .strictObject({
    dialect: z
      .enum(TAO_DIALECTS)
      .describe('tlt3: `tlt yolo_v4` (TLT 3.0); tao4: `tao yolo_v4` (TAO 3.21/4.0); tao5: `tao model yolo_v4`'),
    pretrainedModel: z
      .string()
      .startsWith('/', 'an absolute path')
      .describe(
        "the pretrained backbone on the GPU host (e.g. .../resnet_18.hdf5), round 1's pretrain_model_path; its folder is mounted into the container",
      ),
    arch: z
      .string()
      .regex(/^[a-z_0-9]+$/, 'a TAO arch name, e.g. "resnet"')
      .default('resnet')
      .describe('yolov4_config.arch'),
    nlayers: z
      .number()
      .int()
      .positive()
      .default(18)
      .describe('yolov4_config.nlayers; checkpoints are yolov4_<arch><nlayers>_epoch_NNN'),
    anchors: z
      .union([z.literal('kmeans'), z.strictObject({ small: anchorTriple, mid: anchorTriple, big: anchorTriple })])
      .default(tutorialAnchors)
      .describe(
        '"kmeans": 9 anchors clustered from the labelled boxes each round (like `yolo_v4 kmeans`); default: the tutorial\'s',
      ),
    boxMatchingIou: z.number().gt(0).max(1).default(0.25).describe('yolov4_config.box_matching_iou'),
    matchingNeutralBoxIou: z
      .number()
      .gt(0.25)
      .max(1)
      .default(0.5)
      .describe('yolov4_config.matching_neutral_box_iou (tao4, tao5; TLT 3.0 has no such field)'),
    classMapping: z
      .record(z.string().regex(/^\S+$/, 'one word'), z.string().regex(/^\S+$/, 'one word'))
      .optional()
      .describe(
        'label class -> TAO target class; default: every labelled class maps to itself (keys are lowercased, as TAO reads labels)',
      ),
    gpus: z.number().int().positive().default(1).describe('--gpus'),
    useAmp: z.boolean().default(false).describe('--use_amp (mixed precision)'),
    containerRoot: z
      .string()
      .regex(/^\/\S*[^/]$/, 'an absolute path without spaces or trailing slash')
      .default('/workspace/pomona')
      .describe('where the project folder and the pretrained model are mounted in the container'),
  })
  .describe('NVIDIA TLT/TAO YOLOv4 (docs/tao.md); required when backend is "tao"');

export type TaoSettingsInput = z.input<typeof taoSettingsSchema>;
export type TaoSettings = z.output<typeof taoSettingsSchema>;
/** The tutorial's input size (width x height); used when `trainer.inputSize` is not set. */
export const TAO_DEFAULT_INPUT_SIZE = { width: 1280, height: 704 };
/** The tutorial's batch size; used when `trainer.batchSize` is not set. */
export const TAO_DEFAULT_BATCH_SIZE = 8;
