// The loop's configuration: one zod schema is the single source for validation (worker and workflow),
// the CLI's `config schema` JSON Schema, and docs/config.md. Pure: safe to import from workflow code.
import { z } from 'zod';
import { SCORE_NAMES } from '../scores/detection';
import { taoSettingsSchema } from '../tao/settings';
import { TRAINER_DEFAULTS } from './trainer-defaults';

// Bounds on what a config may ask a worker for, so that no input makes it run out of memory, disk or
// time before it can answer (docs/reliability.md, bad input). Generous against today's defaults.
/** Training and ssl-embedding epochs per round (default 5). */
export const MAX_EPOCHS = 1000;
/** trainer.minSteps (default 120; 100,000 steps are days on a GPU). */
export const MAX_MIN_STEPS = 100_000;
/** Training batch (default 16): 256 crops of 448x256 are about 0.4 GB of input alone, before activations. */
export const MAX_TRAIN_BATCH = 256;
/** Each side of trainer.inputSize (default 448x256); larger photographs are cropped and tiled anyway. */
export const MAX_INPUT_SIDE = 2048;
/** Images one selection may add (selection sizes): a million-image pool's worth. */
export const MAX_SELECTION = 1_000_000;
/** Shards of one fan-out scheduled at once: Temporal allows 2,000 pending activities per workflow. */
export const MAX_SHARDS_IN_FLIGHT = 1000;

/** How many images a selection adds: a batch size, or as in the seed tutorial the labelled total after it. */
export const selectionSize = z.union([
  z.strictObject({
    batchSize: z.number().int().positive().max(MAX_SELECTION).describe('images added by this selection'),
  }),
  z.strictObject({
    nTotal: z
      .number()
      .int()
      .positive()
      .max(MAX_SELECTION)
      .describe('labelled images after this selection (Lightly n_samples)'),
  }),
]);

export const initialSelectionMethod = z.enum(['RANDOM', 'CORESET', 'TYPICLUST']);
export const selectionMethod = z.enum(['RANDOM', 'CORESET', 'TYPICLUST', 'CORAL', 'UNCERTAINTY', 'UNCERTAIN_CORESET']);
/** `embed --features` of the trainer (trainer/pomona_trainer/embed.py). */
export const embeddingMethod = z.enum(['backbone', 'scene', 'ssl']);
/** `train --backbone` of the trainer (trainer/pomona_trainer/backbone.py). */
export const trainerBackbone = z.enum(['efficientnet-lite0', 'scratch']);

/** Attempts of one training: enough for worker restarts and preemptions, few enough to stop a crash loop. */
export const DEFAULT_TRAIN_ATTEMPTS = 5;
/** Attempts of the pool embedding and of each inference: the same reasoning, for shorter GPU jobs. */
export const DEFAULT_EMBED_INFER_ATTEMPTS = 5;

/** MinneApple's one class, and the reference detector's default class name. */
export const DEFAULT_CLASSES = ['apple'] as const;

export const annotationTool = z.enum(['folder', 'label-studio']);
export type AnnotationTool = z.infer<typeof annotationTool>;
export const DEFAULT_LABEL_STUDIO_URL = 'http://127.0.0.1:8080';

const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration like "90s", "5m", "2h" or "7d"');

export const loopConfigSchema = z
  .strictObject({
    project: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" and "_", at most 63 characters')
      .describe('project name: the workflow id suffix, artifact folder and PomonaProject search attribute'),
    workspace: z.string().startsWith('/', 'an absolute path').describe('artifact root shared by all workers'),
    dataset: z.strictObject({
      path: z
        .string()
        .startsWith('/', 'an absolute path')
        .describe(
          'pool folder: MinneApple (images/ + masks/), KITTI (images/ + labels/), YOLO (images/ + labels/ + classes.txt), Pascal VOC (images/ + annotations/*.xml), COCO (images/ + annotations/*.json) or images only (docs/operations.md, Datasets)',
        ),
      validation: z
        .strictObject({
          path: z
            .string()
            .startsWith('/', 'an absolute path')
            .optional()
            .describe('a separate labelled validation folder'),
          fraction: z
            .number()
            .gt(0)
            .lt(1)
            .optional()
            .describe('hold out this fraction of the labelled pool (seeded) when no path is given'),
          annotate: z
            .number()
            .int()
            .positive()
            .max(MAX_SELECTION)
            .optional()
            .describe(
              'when neither path nor fraction gives a validation set (an unlabelled pool): people first label this many random pool images (round 0, seeded), kept for evaluation and never trained on',
            ),
        })
        .default({ fraction: 0.2 })
        .describe('fixed validation split, never selected for labelling'),
    }),
    selection: z
      .strictObject({
        initial: z.strictObject({
          method: initialSelectionMethod
            .default('CORESET')
            .describe(
              'CORESET: k-center greedy on the embeddings; TYPICLUST: the most typical image of each k-means cluster; RANDOM (docs/selection.md)',
            ),
          size: selectionSize,
        }),
        rounds: z
          .strictObject({
            method: selectionMethod
              .default('UNCERTAINTY')
              .describe(
                "UNCERTAINTY (the default, chosen on docs/label-efficiency.md): the most uncertain; CORAL: diversity x the last model's uncertainty; UNCERTAIN_CORESET: CORESET among the 4 x batch most uncertain; CORESET, TYPICLUST, RANDOM as for `initial` (docs/selection.md)",
              ),
            size: selectionSize,
            score: z
              .enum(SCORE_NAMES)
              .default('uncertainty_entropy_mean')
              .describe(
                'CORAL, UNCERTAINTY, UNCERTAIN_CORESET: the per-image score from the last predictions (docs/selection.md)',
              ),
            strength: z.number().min(0).default(1).describe('CORAL: exponent of the score term'),
          })
          .describe('every later batch'),
        seed: z.number().int().nonnegative().default(0).describe('seeds RANDOM selection and the validation split'),
        deduplicate: z
          .strictObject({
            minDistance: z
              .number()
              .positive()
              .describe(
                'Euclidean distance on the unit-length embeddings under which two images count as near-duplicates (docs/selection.md measures it on video frames)',
              ),
          })
          .optional()
          .describe(
            "every round's batch (not round 0's validation batch) comes from the pool images LightlyStudio's deduplication keeps, whatever the method; needs `npx pomona lightly setup` on the CPU workers (docs/selection.md)",
          ),
      })
      .describe('round 1 uses `initial`, later rounds `rounds`'),
    embedding: z
      .strictObject({
        method: embeddingMethod
          .default(embeddingMethod.parse(TRAINER_DEFAULTS.embed.features))
          .describe(
            'backbone: pooled features of the pretrained EfficientNet-Lite0, reduced by PCA; scene: whitened colour and texture statistics; ssl: a small self-supervised encoder (docs/selection.md)',
          ),
        epochs: z
          .number()
          .int()
          .positive()
          .max(MAX_EPOCHS)
          .default(5)
          .describe('training epochs of the ssl method only; backbone and scene train nothing'),
        dim: z
          .number()
          .int()
          .min(2)
          .max(1024)
          .default(TRAINER_DEFAULTS.embed.dim)
          .describe('embedding width (lightly-magic uses 32)'),
      })
      // prefault: an absent section is parsed as {}, so it gets each field's own default
      .prefault({})
      .describe('embeddings of the pool, computed once by the GPU worker'),
    trainer: z
      .strictObject({
        backend: z
          .enum(['torch', 'tao'])
          .default('torch')
          .describe('torch: the reference PyTorch detector (trainer/); tao: NVIDIA TLT/TAO YOLOv4 (docs/tao.md)'),
        backbone: trainerBackbone
          .default(trainerBackbone.parse(TRAINER_DEFAULTS.train.backbone))
          .describe(
            'detector features of the torch backend: efficientnet-lite0, ImageNet-pretrained; scratch: the small network from random weights. TAO trains trainer.tao.arch and ignores this ("scratch" with tao is refused)',
          ),
        epochs: z
          .number()
          .int()
          .positive()
          .max(MAX_EPOCHS)
          .default(5)
          .describe(
            'training epochs per round, raised when they would take fewer than `minSteps` optimiser steps (20 images of 640x360 at batch 16: 3 steps an epoch, so 40 epochs); an epoch is max(1, round(area / crop area)) crops of each labelled image at native scale (2 for a 640x360 image at the default 448x256), docs/trainer.md',
          ),
        minSteps: z
          .number()
          .int()
          .nonnegative()
          .max(MAX_MIN_STEPS)
          .default(120)
          .describe(
            'at least this many optimiser steps per round: small labelled sets get more epochs than `epochs` (0: exactly `epochs`)',
          ),
        checkpointInterval: z
          .number()
          .int()
          .positive()
          .default(TRAINER_DEFAULTS.train.checkpoint_interval)
          .describe('save a checkpoint every K epochs: the most a retry re-does'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(DEFAULT_TRAIN_ATTEMPTS)
          .describe(
            'attempts of one training before the loop pauses with the error (each retry resumes from the last checkpoint; docs/reliability.md)',
          ),
        maxEmbedInferAttempts: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(DEFAULT_EMBED_INFER_ATTEMPTS)
          .describe(
            'attempts of the pool embedding and of each inference (validation, pool) before the loop pauses with the error (docs/reliability.md)',
          ),
        device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('auto: CUDA when the GPU worker has it'),
        seed: z.number().int().nonnegative().default(0).describe('training seed (round n uses seed + n)'),
        inputSize: z
          .string()
          .regex(/^\d+x\d+$/, 'WIDTHxHEIGHT, e.g. "448x256"')
          // The detector's stride is 32 (trainer/pomona_trainer/train.py parse_size): caught here, not after round 1's labels.
          .refine(
            (size) => size.split('x').every((v) => Number(v) >= 64 && Number(v) % 32 === 0),
            'width and height must be multiples of 32, at least 64',
          )
          .refine(
            (size) => size.split('x').every((v) => Number(v) <= MAX_INPUT_SIDE),
            `width and height at most ${MAX_INPUT_SIDE} (larger images are trained on crops and inferred in tiles)`,
          )
          .optional()
          .describe('network input size; the trainer default when absent'),
        batchSize: z
          .number()
          .int()
          .positive()
          .max(MAX_TRAIN_BATCH)
          .optional()
          .describe('training batch size; the trainer default when absent'),
        scale: z
          .number()
          .min(0.05)
          .max(4)
          .optional()
          .describe(
            'torch: resize every image by this factor before training and inference (1: native pixels, the trainer default when absent); large photographs are trained on crops and inferred in tiles either way',
          ),
        threshold: z
          .number()
          .min(0)
          .max(1)
          .default(TRAINER_DEFAULTS.infer.threshold)
          .describe('minimum score kept by inference'),
        tta: z
          .boolean()
          .default(false)
          .describe(
            "torch: inference averaged over the model's training flips (`infer --tta`), for evaluation and the pool; 2-4x the inference time",
          ),
        inferScales: z
          .array(z.number().min(0.1).max(4))
          .min(1)
          .max(6)
          .refine((scales) => new Set(scales).size === scales.length, 'each factor once')
          .optional()
          .describe(
            'torch: a multi-scale test, factors of the working scale (e.g. [0.67, 1, 1.5]), boxes merged by weighted box fusion (`infer --scales`, docs/trainer.md); one pass when absent. A box one pass of P finds scores s / P: lower `threshold` with it',
          ),
        fineTune: z.boolean().default(true).describe('start round n from round n-1 weights'),
        tao: taoSettingsSchema.optional(),
      })
      .superRefine((trainer, ctx) => {
        if (trainer.backend !== 'tao') return;
        // TAO's own rule on output_width/height (multiples of 32) is inputSize's rule for every backend.
        if (!trainer.tao) ctx.addIssue({ code: 'custom', path: ['tao'], message: 'required when backend is "tao"' });
        // The default cannot be told from an explicit "efficientnet-lite0" here (both parse alike), so only
        // the other value is refused: TAO would silently train its own backbone instead.
        if (trainer.backbone === 'scratch')
          ctx.addIssue({
            code: 'custom',
            path: ['backbone'],
            message: 'applies to the torch backend only; TAO trains trainer.tao.arch',
          });
        for (const field of ['tta', 'inferScales'] as const)
          if (trainer[field])
            ctx.addIssue({ code: 'custom', path: [field], message: 'applies to the torch backend only' });
        if (trainer.scale !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['scale'],
            message: 'applies to the torch backend only; TAO resizes to trainer.inputSize',
          });
      })
      // prefault: an absent section is parsed as {}, so it gets each field's own default (no second copy here)
      .prefault({}),
    stop: z
      .strictObject({
        maxRounds: z.number().int().positive().default(5).describe('stop after this many rounds'),
        targetMap50: z.number().gt(0).max(1).optional().describe('stop once validation mAP@0.5 reaches this'),
        labelBudget: z.number().int().positive().optional().describe('never label more images than this in total'),
      })
      .default({ maxRounds: 5 })
      .describe('the loop ends at the first condition met, or on the `stop` signal'),
    annotation: z
      .strictObject({
        prelabels: z.boolean().default(true).describe("export the last model's boxes (score >= 0.3) with each batch"),
        classes: z
          .array(z.string().regex(/^\S+$/, 'one word (KITTI class names have no spaces)'))
          .min(1)
          .default([...DEFAULT_CLASSES])
          .describe(
            'the class names labels may use (compared case-insensitively): a submission with any other class is refused with file:line, and a dataset box of another class is a problem (Pascal VOC: left out); the torch detector learns one output per class, in this order; set it for datasets of other objects',
          ),
        tool: annotationTool
          .default('folder')
          .describe(
            'where people label each batch: "folder" (KITTI files, submitted with `pomona annotate submit`) or "label-studio" (tasks with pre-labels in a Label Studio project; docs/annotation.md)',
          ),
        labelStudio: z
          .strictObject({
            url: z
              .url()
              .default(DEFAULT_LABEL_STUDIO_URL)
              .describe('the Label Studio server (`pomona label-studio start`)'),
            project: z
              .union([z.string().min(3), z.number().int().positive()])
              .optional()
              .describe(
                'the project: a title (found, or created once with a box config from annotation.classes) or the id of an existing one; default "pomona <project>"',
              ),
            filesRoot: z
              .string()
              .startsWith('/', 'an absolute path')
              .default('/')
              .describe(
                "the server's local-files document root (`pomona label-studio start --files-root`); the workspace must lie under it",
              ),
            pollEvery: duration
              .default('1m')
              .describe(
                'how often the loop reads the batch back from Label Studio besides its webhooks; doubling while nothing changes, up to 32 times this',
              ),
          })
          .prefault({})
          .describe(
            'used when annotation.tool is "label-studio"; the API token comes from the worker environment (LABEL_STUDIO_API_KEY), never from here',
          ),
      })
      .prefault({}),
    lightly: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "push the project into its LightlyStudio dataset (<project>/lightly-studio/dataset.db) after each round's selection, after its inference on the pool and after the last round's evaluation (a failed push: a warning, the loop goes on); needs `npx pomona lightly setup` on the CPU workers (docs/lightly.md)",
          ),
      })
      .prefault({})
      .describe('LightlyStudio (local, open source): the pool, embeddings, labels, predictions and one tag per round'),
    shards: z
      .strictObject({
        images: z
          .number()
          .int()
          .min(1)
          .max(MAX_SELECTION)
          .optional()
          .describe(
            "the pool's embedding (methods backbone and scene) and each round's pool inference in shards of this many images, fanned out over every GPU worker on the queue by a child workflow; each shard is retried on its own and a retry redoes only that shard (docs/operations.md, sizing). Absent: the whole pool in one activity each",
          ),
        inFlight: z
          .number()
          .int()
          .min(1)
          .max(MAX_SHARDS_IN_FLIGHT)
          .default(16)
          .describe(
            'shards scheduled at once: at least the number of GPU workers, so that none waits; the rest are scheduled as these finish',
          ),
      })
      .prefault({})
      .describe("the pool's GPU work spread over every GPU worker"),
    timeouts: z
      .strictObject({
        heartbeat: duration
          .default('2m')
          .describe('a GPU worker silent this long is presumed dead; its activity is retried elsewhere'),
        train: duration.default('24h').describe('longest a training (or embedding) attempt may run'),
        infer: duration.default('6h').describe('longest an inference attempt may run'),
      })
      .default({ heartbeat: '2m', train: '24h', infer: '6h' }),
  })
  .superRefine((config, ctx) => {
    // Labels can only carry annotation.classes (import refuses the rest), so a TAO class mapping from any
    // other name can never apply: most likely a typo that would leave a class untrained.
    const classes = new Set(config.annotation.classes.map((c) => c.toLowerCase()));
    for (const from of Object.keys(config.trainer.tao?.classMapping ?? {})) {
      if (!classes.has(from.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['trainer', 'tao', 'classMapping', from],
          message: `"${from}" is not in annotation.classes (${[...classes].join(', ')}), so no label can have it`,
        });
      }
    }
  })
  .describe('pomona active-learning loop configuration');

export type LoopConfigInput = z.input<typeof loopConfigSchema>;
export type LoopConfig = z.output<typeof loopConfigSchema>;
export type SelectionSize = z.output<typeof selectionSize>;
export type SelectionMethod = z.output<typeof selectionMethod>;
export type EmbeddingMethod = z.output<typeof embeddingMethod>;
export type TrainerBackbone = z.output<typeof trainerBackbone>;

/** A config problem, located by its field path, e.g. `selection.initial.size: Required`. */
export function describeConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(config)'}: ${issue.message}`);
}

export type ConfigResult = { ok: true; config: LoopConfig } | { ok: false; problems: string[] };

export function parseLoopConfig(input: unknown): ConfigResult {
  const result = loopConfigSchema.safeParse(input);
  return result.success
    ? { ok: true, config: result.data }
    : { ok: false, problems: describeConfigIssues(result.error) };
}

/** Images added to reach a size, given how many are labelled already. */
export function batchSizeFor(size: SelectionSize, labelled: number): number {
  return 'batchSize' in size ? size.batchSize : Math.max(0, size.nTotal - labelled);
}

/** Whether the loop pushes into LightlyStudio; configs recorded before `lightly` existed have no such section. */
export function lightlyEnabled(config: LoopConfig): boolean {
  return (config as { lightly?: { enabled?: boolean } }).lightly?.enabled === true;
}
