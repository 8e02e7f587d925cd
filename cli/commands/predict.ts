// `pomona predict (--loop ID | --model CKPT) --images DIR --out DIR [--coco FILE] [--tta] [--scales F,..]`: the model out of the
// loop. Runs a loop's newest trained model (or a given checkpoint of the reference detector) on new images,
// tiled as the loop's own inference, and writes KITTI predictions (and a COCO file on request).
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRAINER_DEFAULTS } from '../../core/config/trainer-defaults';
import { cocoPredictions } from '../../core/formats/coco-predictions';
import { readImages } from '../../core/formats/images';
import { readKittiFolder } from '../../core/formats/kitti-folder';
import { CliError } from '../cli-error';
import { finite } from '../option-parsers';
import { chosenModel, requireOneModelSource } from './loop-model';
import { trainerArgs } from '../../activities/trainer-process';
import { runTrainerCommand } from '../run-trainer';

interface PredictOptions {
  loop?: string;
  model?: string;
  images: string;
  out: string;
  coco?: string;
  threshold: number;
  tta?: boolean;
  scales?: string;
  device: string;
}

async function predict(opts: PredictOptions): Promise<void> {
  requireOneModelSource(opts);
  const images = path.resolve(opts.images);
  if (!fs.existsSync(images) || !fs.statSync(images).isDirectory())
    throw new CliError(`--images ${opts.images}: not a folder`, 2);
  const found = await readImages(images);
  if (!found.images.length) throw new CliError(`--images ${opts.images}: no images (.png, .jpg, .jpeg)`, 2);
  const out = path.resolve(opts.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length)
    throw new CliError(`--out ${opts.out}: not empty (nothing is overwritten)`, 2);
  const model = await chosenModel(opts);
  await runInference(model, images, out, opts, found.images.length);
  const boxes = await readKittiFolder(
    out,
    'prediction',
    found.images.map((i) => i.name),
    true,
  );
  const count = [...boxes.values()].reduce((n, b) => n + b.length, 0);
  if (opts.coco) {
    fs.writeFileSync(opts.coco, JSON.stringify(cocoPredictions(found.images, boxes)) + '\n');
  }
  console.log(
    `${found.images.length} images, ${count} boxes (score >= ${opts.threshold}) in ${out}${opts.coco ? `; COCO: ${opts.coco}` : ''}`,
  );
}

/** `python -m pomona_trainer infer`, its progress shown as a bar when stderr is a terminal. */
async function runInference(
  model: string,
  images: string,
  out: string,
  opts: PredictOptions,
  total: number,
): Promise<void> {
  const bar = process.stderr.isTTY
    ? new SingleBar({ format: 'predict [{bar}] {value}/{total} images' }, Presets.shades_classic)
    : null;
  bar?.start(total, 0);
  const args = trainerArgs('infer', {
    model,
    images,
    out,
    threshold: opts.threshold,
    device: opts.device,
    tta: opts.tta,
    scales: opts.scales,
  });
  try {
    await runTrainerCommand(args, (event) => {
      if (event.event === 'progress' && typeof event.done === 'number') bar?.update(event.done);
    });
  } finally {
    bar?.stop();
  }
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description("run a loop's newest model (or a checkpoint) on new images: KITTI predictions, COCO on request")
    .option('--loop <id>', "the loop whose newest round's model to use (workflow id or project name)")
    .option('--model <ckpt>', "a checkpoint of pomona's reference detector (rounds/<n>/train/weights/epoch_NNN.pt)")
    .requiredOption('--images <dir>', 'folder of images (any size: large ones are inferred in tiles)')
    .requiredOption('--out <dir>', 'new or empty folder for one KITTI prediction file per image')
    .option('--coco <file>', 'also write the predictions as a COCO detection JSON file')
    .option('--threshold <score>', 'keep boxes scoring at least this', finite(0), TRAINER_DEFAULTS.infer.threshold)
    .option('--tta', "also run each image's mirrors under the model's training flips, outputs averaged (2-4x the time)")
    .option(
      '--scales <factors>',
      'multi-scale test: factors of the model scale, e.g. 0.67,1,1.5, boxes merged by weighted box fusion (docs/trainer.md)',
    )
    .option('--device <device>', 'auto, cpu or cuda', 'auto')
    .action(predict);
}
