// A stand-in for NVIDIA's `tlt` / `tao` launchers running YOLOv4 (machines here have no docker or GPU),
// following the contract in shared/reference/tao-yolov4.md: it reads the mounts file as the launcher
// does, sees only mounted paths (container paths), parses and checks the spec per dialect (unknown
// fields are errors), reads raw KITTI the way TAO's loader does, prints Keras-style progress with \r
// redraws, AP tables and "Execution status", writes checkpoints `yolov4_<arch><n>_epoch_NNN.tlt|hdf5`
// and resumes from a checkpoint's file name, and writes 16-field KITTI predictions.
// It learns nothing: its "predictions" are the oracle labels (TAO_EMULATOR_ORACLE_LABELS, a folder of
// ground truth) jittered, with a low-scored false positive per image, so a loop's mAP is believable.
// Environment:
//   TAO_EMULATOR_EPOCH_SECONDS  time one epoch takes (default 0.2)
//   TAO_EMULATOR_KEY            the key models are encrypted with; a different -k fails to decrypt
//   TAO_EMULATOR_GPU_BATCH_LIMIT a larger batch_size_per_gpu runs out of GPU memory
//   TAO_EMULATOR_FAIL           crash (retryable) | exit0-without-pass | pass-without-checkpoint
//   TAO_EMULATOR_FAIL_AT_EPOCH  epoch at which TAO_EMULATOR_FAIL=crash strikes (default 1)
//   TAO_EMULATOR_ORACLE_LABELS  ground-truth labels for inference
//   TAO_EMULATOR_INSTALLED      the toolkit version installed (tlt3 | tao4 | tao5) when it differs from
//                               what the command line implies: its spec schema applies
// Usage (through tests/tao-emulator/tlt or .../tao): tlt yolo_v4 train -e SPEC -r DIR -k KEY ...
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type Dialect = 'tlt3' | 'tao4' | 'tao5';
type Proto = { [field: string]: (string | number | boolean | Proto)[] };

class ToolError extends Error {}

// Stdout closed (the worker that ran us died): stop, as the launcher does when its pipe breaks.
process.stdout.on('error', () => process.exit(141));
process.stderr.on('error', () => process.exit(141));

const out = (text: string) => process.stdout.write(text);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- launcher: which dialect, which mounts ---------------------------------------------------------

function parseInvocation(argv: string[]): { dialect: Dialect; task: string; args: string[] } {
  const [launcher, ...rest] = argv;
  if (launcher === 'tlt' && rest[0] === 'yolo_v4') return { dialect: 'tlt3', task: rest[1], args: rest.slice(2) };
  if (launcher === 'tao' && rest[0] === 'model' && rest[1] === 'yolo_v4')
    return { dialect: 'tao5', task: rest[2], args: rest.slice(3) };
  if (launcher === 'tao' && rest[0] === 'yolo_v4') return { dialect: 'tao4', task: rest[1], args: rest.slice(2) };
  throw new ToolError(
    `usage: ${launcher} ${launcher === 'tao' ? '[model] ' : ''}yolo_v4 {train,evaluate,inference,kmeans} ...: got "${rest.join(' ')}"`,
  );
}

interface Mount {
  source: string;
  destination: string;
}

function readMounts(dialect: Dialect): Mount[] {
  const file =
    dialect === 'tlt3'
      ? path.join(os.homedir(), '.tlt_mounts.json')
      : (process.env.LAUNCHER_MOUNTS ?? path.join(os.homedir(), '.tao_mounts.json'));
  if (!fs.existsSync(file))
    throw new ToolError(`Mounts file ${file} not found: the container would see no host folder`);
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(config))
    if (!['Mounts', 'Envs', 'DockerOptions'].includes(key))
      throw new ToolError(`Invalid mounts file ${file}: unsupported key "${key}"`);
  const docker = (config.DockerOptions ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(docker))
    if (!['user', 'ports', 'shm_size', 'ulimits', 'privileged', 'network', 'tty'].includes(key))
      throw new ToolError(`Invalid mounts file ${file}: unsupported DockerOptions key "${key}"`);
  if (docker.tty !== false && !process.stdin.isTTY) throw new ToolError('the input device is not a TTY');
  if (typeof docker.user !== 'string' || docker.user !== `${os.userInfo().uid}:${os.userInfo().gid}`)
    out('WARNING: DockerOptions.user is not set to your uid:gid: output files will be owned by root\n');
  const mounts = (config.Mounts ?? []) as Mount[];
  for (const m of mounts) {
    if (!fs.existsSync(m.source))
      throw new ToolError(
        `docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ${m.source}.`,
      );
  }
  return mounts;
}

/** What a container path is on the host; a path under no mount does not exist inside the container. */
function hostPath(containerPath: string, mounts: Mount[]): string {
  for (const m of mounts) {
    if (containerPath === m.destination || containerPath.startsWith(`${m.destination}/`))
      return m.source + containerPath.slice(m.destination.length);
  }
  throw new ToolError(`FileNotFoundError: [Errno 2] No such file or directory: '${containerPath}'`);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function required(args: string[], name: string): string {
  const v = flag(args, name);
  if (v === undefined || v.startsWith('-')) throw new ToolError(`error: the following arguments are required: ${name}`);
  return v;
}

// ---- spec: protobuf text, checked per dialect ------------------------------------------------------

const SCHEMA: Record<string, Record<string, string | null>> = {
  // message -> field -> sub-message (null for scalars)
  root: {
    random_seed: null,
    yolov4_config: 'YOLOv4Config',
    training_config: 'TrainingConfig',
    eval_config: 'EvalConfig',
    nms_config: 'NMSConfig',
    augmentation_config: 'AugmentationConfig',
    dataset_config: 'DatasetConfig',
  },
  YOLOv4Config: Object.fromEntries(
    [
      'big_anchor_shape',
      'mid_anchor_shape',
      'small_anchor_shape',
      'box_matching_iou',
      'matching_neutral_box_iou',
      'arch',
      'nlayers',
      'arch_conv_blocks',
      'loss_loc_weight',
      'loss_neg_obj_weights',
      'loss_class_weights',
      'freeze_bn',
      'freeze_blocks',
      'force_relu',
      'label_smoothing',
      'big_grid_xy_extend',
      'mid_grid_xy_extend',
      'small_grid_xy_extend',
    ].map((f) => [f, null]),
  ),
  TrainingConfig: {
    batch_size_per_gpu: null,
    num_epochs: null,
    enable_qat: null,
    checkpoint_interval: null,
    learning_rate: 'LearningRateConfig',
    regularizer: 'RegularizerConfig',
    optimizer: 'OptimizerConfig',
    pretrain_model_path: null,
    resume_model_path: null,
    pruned_model_path: null,
  },
  LearningRateConfig: { soft_start_cosine_annealing_schedule: 'SoftStartCosineAnnealingScheduler' },
  SoftStartCosineAnnealingScheduler: { min_learning_rate: null, max_learning_rate: null, soft_start: null },
  RegularizerConfig: { type: null, weight: null },
  OptimizerConfig: { adam: 'AdamOptimizerConfig', sgd: 'SGDOptimizerConfig' },
  AdamOptimizerConfig: { epsilon: null, beta1: null, beta2: null, amsgrad: null },
  SGDOptimizerConfig: { momentum: null, nesterov: null },
  EvalConfig: { average_precision_mode: null, batch_size: null, matching_iou_threshold: null },
  NMSConfig: { confidence_threshold: null, clustering_iou_threshold: null, top_k: null },
  AugmentationConfig: Object.fromEntries(
    [
      'hue',
      'saturation',
      'exposure',
      'vertical_flip',
      'horizontal_flip',
      'jitter',
      'output_width',
      'output_height',
      'output_channel',
      'randomize_input_shape_period',
      'mosaic_prob',
      'mosaic_min_ratio',
    ].map((f) => [f, null]),
  ),
  DatasetConfig: {
    data_sources: 'DataSource',
    include_difficult_in_training: null,
    image_extension: null,
    target_class_mapping: 'TargetClassMapping',
    validation_data_sources: 'DataSource',
  },
  DataSource: { label_directory_path: null, image_directory_path: null, tfrecords_path: null },
  TargetClassMapping: { key: null, value: null },
};

function schemaFor(dialect: Dialect, message: string): Record<string, string | null> {
  const fields = { ...SCHEMA[message] };
  // TLT 3.0's YOLOv4Config and DatasetConfig predate these fields.
  if (dialect === 'tlt3' && message === 'YOLOv4Config') delete fields.matching_neutral_box_iou;
  if (dialect === 'tlt3' && message === 'DatasetConfig') delete fields.image_extension;
  return fields;
}

function parseSpec(text: string, dialect: Dialect): Proto {
  const tokens: { t: string; line: number; col: number }[] = [];
  text.split('\n').forEach((line, i) => {
    const re = /\s*("(?:[^"\\]|\\.)*"|[{}:]|[^\s{}:"]+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line.replace(/#.*$/, ''))))
      if (m[1]) tokens.push({ t: m[1], line: i + 1, col: m.index + m[0].indexOf(m[1]) + 1 });
  });
  let at = 0;
  const fail = (msg: string, tok = tokens[at]): never => {
    throw new ToolError(`google.protobuf.text_format.ParseError: ${tok ? `${tok.line}:${tok.col}` : 'end'} : ${msg}`);
  };
  const parseMessage = (type: string, closing: boolean): Proto => {
    const fields = schemaFor(dialect, type);
    const msg: Proto = {};
    while (at < tokens.length && tokens[at].t !== '}') {
      const name = tokens[at];
      if (!(name.t in fields))
        fail(`Message type "${type === 'root' ? 'Experiment' : type}" has no field named "${name.t}".`, name);
      at++;
      const sub = fields[name.t];
      let value: string | number | boolean | Proto;
      if (sub) {
        if (tokens[at]?.t === ':') at++;
        if (tokens[at]?.t !== '{') fail(`Expected "{".`);
        at++;
        value = parseMessage(sub, true);
      } else {
        if (tokens[at]?.t !== ':') fail(`Expected ":".`);
        at++;
        const raw = tokens[at++]?.t ?? fail('Expected a value.');
        value = raw.startsWith('"')
          ? (JSON.parse(raw) as string)
          : raw === 'true'
            ? true
            : raw === 'false'
              ? false
              : /^[-+0-9.]/.test(raw)
                ? Number(raw)
                : raw;
        if (typeof value === 'number' && Number.isNaN(value)) fail(`Couldn't parse number: ${raw}`);
      }
      (msg[name.t] ??= []).push(value);
    }
    if (closing) {
      if (tokens[at]?.t !== '}') fail('Expected "}".');
      at++;
    } else if (at < tokens.length) fail('Unexpected "}".');
    return msg;
  };
  return parseMessage('root', false);
}

const one = (m: Proto | undefined, field: string) => m?.[field]?.[0];
/** A scalar field as text (a message where a scalar belongs reads as empty). */
const text = (m: Proto | undefined, field: string) => {
  const v = one(m, field);
  return typeof v === 'object' || v === undefined ? '' : String(v);
};
const num = (m: Proto | undefined, field: string, fallback = 0) => Number(one(m, field) ?? fallback);
const sub = (m: Proto | undefined, field: string) => one(m, field) as Proto | undefined;

interface Spec {
  raw: Proto;
  arch: string;
  nlayers: number;
  batch: number;
  epochs: number;
  interval: number;
  start: { kind: 'pretrain' | 'resume' | 'pruned'; path: string } | null;
  mapping: Map<string, string>;
  train: { images: string; labels: string }[];
  validation: { images: string; labels: string }[];
}

/** TAO 5's checks (and the older dialects' subset), with TAO's error wording where known. */
function readSpec(file: string, dialect: Dialect): Spec {
  const raw = parseSpec(fs.readFileSync(file, 'utf8'), dialect);
  const yolo = sub(raw, 'yolov4_config');
  const training = sub(raw, 'training_config');
  const aug = sub(raw, 'augmentation_config');
  const dataset = sub(raw, 'dataset_config');
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new ToolError(`AssertionError: ${message}`);
  };
  check(
    !!yolo && !!training && !!aug && !!dataset,
    'yolov4_config, training_config, augmentation_config and dataset_config are required',
  );
  for (const f of ['output_width', 'output_height'])
    check(num(aug, f) >= 32 && num(aug, f) % 32 === 0, `augmentation_config.${f} must be a multiple of 32 and >= 32`);
  check([1, 3].includes(num(aug, 'output_channel', 3)), 'output_channel must be 1 or 3');
  check(
    num(aug, 'hue') >= 0 && num(aug, 'hue') <= 1 && num(aug, 'jitter') >= 0 && num(aug, 'jitter') <= 1,
    'hue and jitter must be in [0, 1]',
  );
  check(num(aug, 'saturation', 1) >= 1 && num(aug, 'exposure', 1) >= 1, 'saturation and exposure must be >= 1');
  if (one(aug, 'mosaic_min_ratio') !== undefined)
    check(
      num(aug, 'mosaic_min_ratio') > 0 && num(aug, 'mosaic_min_ratio') < 0.5,
      'mosaic_min_ratio must be in (0, 0.5)',
    );
  for (const f of ['batch_size_per_gpu', 'num_epochs', 'checkpoint_interval'])
    check(num(training, f) > 0, `training_config.${f} must be > 0`);
  if (dialect === 'tao5') {
    const v = one(yolo, 'matching_neutral_box_iou');
    check(typeof v === 'number' && v > 0.25 && v <= 1, 'matching_neutral_box_iou must be in (0.25, 1]');
  }
  const starts = (['pretrain', 'resume', 'pruned'] as const).filter(
    (k) => one(training, `${k}_model_path`) !== undefined,
  );
  check(starts.length <= 1, 'only one of pretrain_model_path, resume_model_path and pruned_model_path may be set');
  const mappings = (dataset!.target_class_mapping ?? []) as Proto[];
  check(mappings.length > 0, 'target_class_mapping must not be empty');
  const sources = (field: string) =>
    ((dataset![field] ?? []) as Proto[]).map((s) => ({
      images: text(s, 'image_directory_path'),
      labels: text(s, 'label_directory_path'),
    }));
  check(sources('data_sources').length > 0, 'data_sources must not be empty');
  check(
    sources('validation_data_sources').length > 0,
    'validation_data_sources are required unless training from TFRecords',
  );
  return {
    raw,
    arch: text(yolo, 'arch') || 'resnet',
    nlayers: num(yolo, 'nlayers', 18),
    batch: num(training, 'batch_size_per_gpu'),
    epochs: num(training, 'num_epochs'),
    interval: num(training, 'checkpoint_interval'),
    start: starts.length ? { kind: starts[0], path: text(training, `${starts[0]}_model_path`) } : null,
    mapping: new Map(mappings.map((m) => [text(m, 'key'), text(m, 'value')])),
    train: sources('data_sources'),
    validation: sources('validation_data_sources'),
  };
}

// ---- data: raw KITTI as TAO's loader reads it -------------------------------------------------------

interface Box {
  cls: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function readKittiLabels(file: string, mapping: Map<string, string>): Box[] {
  const boxes: Box[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9) continue;
    // TAO parses occlusion with int(): "0.0" fails.
    if (!/^-?\d+$/.test(f[2]))
      throw new ToolError(`ValueError: invalid literal for int() with base 10: '${f[2]}' (${file})`);
    const target = mapping.get(f[0].toLowerCase());
    const [x1, y1, x2, y2] = f.slice(4, 8).map(Number);
    if (target && x2 > x1 && y2 > y1) boxes.push({ cls: target, x1, y1, x2, y2 });
  }
  return boxes;
}

/** Images with a `<basename>.txt` label (the others are skipped, as TAO does) and their boxes. */
function readDataset(
  sources: { images: string; labels: string }[],
  mapping: Map<string, string>,
  mounts: Mount[],
): { images: number; skipped: number; boxes: number } {
  let images = 0;
  let skipped = 0;
  let boxes = 0;
  for (const s of sources) {
    const imageDir = hostPath(s.images, mounts);
    const labelDir = hostPath(s.labels, mounts);
    if (!fs.existsSync(imageDir))
      throw new ToolError(`FileNotFoundError: [Errno 2] No such file or directory: '${s.images}'`);
    for (const name of fs.readdirSync(imageDir).filter((f) => /\.(png|jpe?g)$/i.test(f))) {
      const label = path.join(labelDir, `${path.parse(name).name}.txt`);
      if (!fs.existsSync(label)) {
        skipped++;
        continue;
      }
      images++;
      boxes += readKittiLabels(label, mapping).length;
    }
  }
  return { images, skipped, boxes };
}

// ---- models: "encrypted" with the key, as .tlt files are ---------------------------------------------

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 16);

function loadModel(file: string, key: string, what: string): void {
  if (!fs.existsSync(file)) throw new ToolError(`FileNotFoundError: [Errno 2] No such file or directory: '${what}'`);
  const expected = process.env.TAO_EMULATOR_KEY;
  let stored: string | undefined;
  try {
    stored = (JSON.parse(fs.readFileSync(file, 'utf8')) as { keyHash?: string }).keyHash;
  } catch {
    stored = undefined; // a pretrained backbone that is not one of ours: only the global key applies
  }
  if ((stored && stored !== keyHash(key)) || (expected && expected !== key)) {
    throw new ToolError(`Invalid decryption. Unable to open file ${what}. Please check the encryption key.`);
  }
}

// ---- tasks -----------------------------------------------------------------------------------------

function apTable(ap: Record<string, number>): string {
  const rule = '*'.repeat(31);
  const values = Object.values(ap);
  const map = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const rows = Object.entries(ap).map(([cls, v]) => `${cls.padEnd(14)}${'AP'.padEnd(6)}${v.toFixed(5)}\n`);
  return `Start to calculate AP for each class\n${rule}\n${rows.join('')}${''.padEnd(14)}${'mAP'.padEnd(6)}${map.toFixed(5)}\n${rule}\n`;
}

async function train(dialect: Dialect, args: string[], mounts: Mount[]): Promise<void> {
  const specPath = required(args, '-e');
  const results = hostPath(required(args, '-r'), mounts);
  const key = required(args, '-k');
  const spec = readSpec(hostPath(specPath, mounts), dialect);
  const limit = Number(process.env.TAO_EMULATOR_GPU_BATCH_LIMIT ?? Infinity);
  const data = readDataset(spec.train, spec.mapping, mounts);
  readDataset(spec.validation, spec.mapping, mounts);
  if (data.images === 0) throw new ToolError('AssertionError: no images with labels found in data_sources');
  out(`Number of images in the training dataset:\t ${data.images}\n`);
  if (data.skipped) out(`WARNING: ${data.skipped} image(s) without a label file were skipped\n`);

  let first = 1;
  if (spec.start) {
    const file = hostPath(spec.start.path, mounts);
    if (spec.start.kind === 'resume') {
      const m = /_epoch_(\d+)\.(tlt|hdf5)$/.exec(path.basename(spec.start.path));
      if (!m)
        throw new ToolError(
          `ValueError: Cannot parse the checkpoint path ${spec.start.path}: its name must end in _epoch_<N>.tlt or .hdf5`,
        );
      first = Number(m[1]) + 1;
    }
    loadModel(file, key, spec.start.path);
    out(`Loading ${spec.start.kind} weights from ${spec.start.path}\n`);
  }
  if (spec.batch > limit)
    throw new ToolError(
      'Ran out of GPU memory, please lower the batch size, use a smaller input resolution, use a smaller backbone, or enable model parallelism for supported TLT architectures',
    );

  const ext = dialect === 'tao5' ? 'hdf5' : 'tlt';
  const weights = path.join(results, 'weights');
  fs.mkdirSync(weights, { recursive: true });
  const csv = path.join(results, `yolov4_training_log_${spec.arch}${spec.nlayers}.csv`);
  const classes = [...new Set(spec.mapping.values())];
  if (first === 1)
    fs.writeFileSync(csv, `epoch,${classes.map((c) => `AP_${c}`).join(',')},loss,lr,mAP,validation_loss\n`);
  const steps = Math.ceil(data.images / spec.batch);
  const epochMs = Number(process.env.TAO_EMULATOR_EPOCH_SECONDS ?? 0.2) * 1000;
  const failAt = Number(process.env.TAO_EMULATOR_FAIL_AT_EPOCH ?? 1);
  for (let epoch = first; epoch <= spec.epochs; epoch++) {
    if (process.env.TAO_EMULATOR_FAIL === 'crash' && epoch === failAt) {
      out('Fatal Python error: Segmentation fault\n');
      process.exit(139);
    }
    out(`Epoch ${epoch}/${spec.epochs}\n`);
    let loss = 0;
    for (let step = 1; step <= steps; step++) {
      await sleep(epochMs / steps);
      loss = 6000 / (epoch + step / steps) + 40;
      const done = Math.round((30 * step) / steps);
      const bar = `${'='.repeat(Math.max(0, done - 1))}${step === steps ? '=' : '>'}${'.'.repeat(30 - done)}`;
      out(
        step < steps
          ? `\r${String(step).padStart(String(steps).length + 1)}/${steps} [${bar}] - ETA: 0s - loss: ${loss.toFixed(4)}`
          : `\r${String(step).padStart(String(steps).length + 1)}/${steps} [${bar}] - 1s ${Math.round(epochMs / steps)}ms/step - loss: ${loss.toFixed(4)}\n`,
      );
    }
    if (epoch % spec.interval === 0 || epoch === spec.epochs) {
      const ap = Object.fromEntries(classes.map((c) => [c, Math.min(0.9, 0.2 + 0.05 * epoch)]));
      out(apTable(ap));
      const validationLoss = 2000 / epoch + 10;
      out(`Validation loss: ${validationLoss.toFixed(3)}\n`);
      const name = `yolov4_${spec.arch}${spec.nlayers}_epoch_${String(epoch).padStart(3, '0')}.${ext}`;
      out(`\nEpoch ${String(epoch).padStart(5, '0')}: saving model to ${required(args, '-r')}/weights/${name}\n`);
      // Written in place, in two parts, like a real checkpoint: a kill in between leaves a torn file.
      const body = JSON.stringify({
        format: 'tao-emulator-checkpoint',
        keyHash: dialect === 'tao5' ? undefined : keyHash(key),
        epoch,
        arch: spec.arch,
      });
      fs.writeFileSync(path.join(weights, name), body.slice(0, 10));
      await sleep(Math.min(50, epochMs / 4));
      fs.appendFileSync(path.join(weights, name), body.slice(10));
      const map = Object.values(ap).reduce((a, b) => a + b, 0) / Math.max(1, classes.length);
      fs.appendFileSync(
        csv,
        `${epoch},${classes.map((c) => ap[c].toFixed(5)).join(',')},${loss.toFixed(4)},1e-4,${map.toFixed(5)},${validationLoss.toFixed(3)}\n`,
      );
    }
  }
  if (process.env.TAO_EMULATOR_FAIL === 'pass-without-checkpoint') {
    for (const f of fs.readdirSync(weights)) fs.rmSync(path.join(weights, f));
  }
}

async function evaluate(dialect: Dialect, args: string[], mounts: Mount[]): Promise<void> {
  const spec = readSpec(hostPath(required(args, '-e'), mounts), dialect);
  loadModel(hostPath(required(args, '-m'), mounts), required(args, '-k'), required(args, '-m'));
  const data = readDataset(spec.validation, spec.mapping, mounts);
  out(`Number of images in the evaluation dataset: ${data.images}\n`);
  out(apTable(Object.fromEntries([...new Set(spec.mapping.values())].map((c) => [c, 0.6]))));
}

/** Deterministic noise in [0, 1) per (image, index), so runs are reproducible. */
function noise(seed: string, i: number): number {
  return parseInt(createHash('md5').update(`${seed}:${i}`).digest('hex').slice(0, 8), 16) / 2 ** 32;
}

async function inference(dialect: Dialect, args: string[], mounts: Mount[]): Promise<void> {
  const spec = readSpec(hostPath(required(args, '-e'), mounts), dialect);
  loadModel(hostPath(required(args, '-m'), mounts), required(args, '-k'), required(args, '-m'));
  const images = hostPath(required(args, '-i'), mounts);
  const threshold = Number(flag(args, '-t') ?? 0.3);
  let labelsDir: string;
  let annotatedDir: string;
  if (dialect === 'tao5') {
    const results = hostPath(required(args, '-r'), mounts);
    labelsDir = path.join(results, 'labels');
    annotatedDir = path.join(results, 'images_annotated');
  } else {
    labelsDir = hostPath(required(args, '-l'), mounts);
    annotatedDir = hostPath(required(args, '-o'), mounts);
  }
  fs.mkdirSync(labelsDir, { recursive: true });
  fs.mkdirSync(annotatedDir, { recursive: true });
  const oracle = process.env.TAO_EMULATOR_ORACLE_LABELS;
  const files = fs
    .readdirSync(images)
    .filter((f) => /\.(png|jpe?g)$/i.test(f))
    .sort();
  files.forEach((file, n) => {
    const name = path.parse(file).name;
    const truth =
      oracle && fs.existsSync(path.join(oracle, `${name}.txt`))
        ? readKittiLabels(path.join(oracle, `${name}.txt`), spec.mapping)
        : [];
    const lines: string[] = [];
    truth.forEach((b, i) => {
      if (noise(name, i) < 0.1) return; // a missed object
      const w = b.x2 - b.x1;
      const h = b.y2 - b.y1;
      const dx = (noise(name, i + 100) - 0.5) * 0.2 * w;
      const dy = (noise(name, i + 200) - 0.5) * 0.2 * h;
      const score = 0.35 + 0.6 * noise(name, i + 300);
      lines.push(
        `${b.cls} 0.00 0 0.00 ${(b.x1 + dx).toFixed(2)} ${(b.y1 + dy).toFixed(2)} ${(b.x2 + dx).toFixed(2)} ${(b.y2 + dy).toFixed(2)} 0.00 0.00 0.00 0.00 0.00 0.00 0.00 ${score.toFixed(4)}`,
      );
    });
    const cls = [...spec.mapping.values()][0];
    const fpScore = 0.05 + 0.3 * noise(name, 999);
    lines.push(`${cls} 0.00 0 0.00 1.00 1.00 9.00 9.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 ${fpScore.toFixed(4)}`);
    const kept = lines.filter((l) => Number(l.split(' ')[15]) >= threshold);
    fs.writeFileSync(path.join(labelsDir, `${name}.txt`), kept.map((l) => `${l}\n`).join(''));
    fs.copyFileSync(path.join(images, file), path.join(annotatedDir, file));
    out(`\rProducing predictions: ${Math.round((100 * (n + 1)) / files.length)}%| ${n + 1}/${files.length}`);
  });
  out('\n');
}

async function main(): Promise<void> {
  let status = 'FAIL';
  try {
    const { dialect, task, args } = parseInvocation(process.argv.slice(2));
    const mounts = readMounts(dialect);
    const installed = (process.env.TAO_EMULATOR_INSTALLED as Dialect | undefined) ?? dialect;
    // Launchers print the command they run in the container, key included; the driver must redact it.
    out(`Running command in container: yolo_v4 ${task} ${args.join(' ')}\n`);
    if (task === 'train') await train(installed, args, mounts);
    else if (task === 'evaluate') await evaluate(installed, args, mounts);
    else if (task === 'inference') await inference(installed, args, mounts);
    else
      throw new ToolError(
        `yolo_v4: invalid choice: '${task}' (choose from 'train', 'evaluate', 'inference', 'kmeans', 'export', 'prune')`,
      );
    if (process.env.TAO_EMULATOR_FAIL === 'exit0-without-pass') {
      out('Traceback (most recent call last):\nRuntimeError: job failed after its last epoch\n');
      process.exitCode = 0;
      return;
    }
    status = 'PASS';
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
  out(`Execution status: ${status}\n`);
}

void main();
