// `pomona dataset synth|check|labels`: the synthetic orchard generator (MinneApple layout), a dataset check
// (every layout ingest reads: MinneApple, KITTI, Pascal VOC, images only), and a dataset's KITTI labels.
import { Option, type Command } from 'commander';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkDataset } from '../../core/dataset/ingest';
import { namesFromImageList, writeDatasetLabels } from '../../core/dataset/write-labels';
import { repositoryRoot } from '../../core/io/repository-root';
import { trainerPython } from '../../activities/trainer-process';
import { CliError } from '../cli-error';
import { finite, integer } from '../option-parsers';

export interface SynthOptions {
  out: string;
  count: number;
  seed: number;
  width?: number;
  height?: number;
  style?: string;
  /** Video-like sequences instead of --count independent images (trainer/pomona_trainer/sequences.py). */
  sequences?: number;
  frames?: number;
  overlap?: number;
  tail?: number;
  orchards?: number;
}

/** Runs the generator (`python -m pomona_trainer synth`); output is deterministic per options. */
export function synthesizeOrchard(opts: SynthOptions): void {
  const pool = opts.sequences === undefined ? ['--count', String(opts.count)] : ['--sequences', String(opts.sequences)];
  const args = ['-m', 'pomona_trainer', 'synth', '--out', path.resolve(opts.out), ...pool, '--seed', String(opts.seed)];
  for (const knob of ['frames', 'overlap', 'tail', 'orchards'] as const)
    if (opts[knob] !== undefined) args.push(`--${knob}`, String(opts[knob]));
  if (opts.width) args.push('--width', String(opts.width));
  if (opts.height) args.push('--height', String(opts.height));
  if (opts.style) args.push('--style', opts.style);
  try {
    execFileSync(trainerPython(), args, { stdio: ['ignore', 'ignore', 'inherit'], cwd: repositoryRoot() });
  } catch (err) {
    throw new CliError(
      `dataset synth failed (exit ${(err as { status?: number }).status ?? '?'})`,
      (err as { status?: number }).status === 2 ? 2 : 1,
    );
  }
}

/** `DIR: N images, M apples, K scene kinds (sunny 40%, ...)`, from the generator's scenes.json. */
export function synthSummary(dir: string): string {
  const scenes = Object.values(
    JSON.parse(fs.readFileSync(path.join(dir, 'scenes.json'), 'utf8')) as Record<
      string,
      { scene: string; apples: number }
    >,
  );
  const kinds = new Map<string, number>();
  for (const s of scenes) kinds.set(s.scene, (kinds.get(s.scene) ?? 0) + 1);
  const shares = [...kinds.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind} ${Math.round((100 * n) / scenes.length)}%`);
  const apples = scenes.reduce((sum, s) => sum + s.apples, 0);
  return `${dir}: ${scenes.length} images, ${apples} apples, ${kinds.size} scene kinds${kinds.size ? ` (${shares.join(', ')})` : ''}`;
}

const int = integer(0);
// ranges are the generator's to check: it names the flag and the rule
const number = finite();

/** `--classes apple,pear`: the names, as a loop's `annotation.classes` would hold them. */
export function parseClasses(v: string): string[] {
  const classes = v
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (classes.length === 0) throw new CliError(`--classes: no class names in "${v}"`, 2);
  for (const c of classes)
    if (/\s/.test(c)) throw new CliError(`--classes: "${c}" has spaces (KITTI class names are one word)`, 2);
  return classes;
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('datasets: synthetic orchards and checks');
  dataset
    .command('synth')
    .description(
      'write a synthetic orchard in MinneApple layout (images/, masks/, scenes.json): independent images, or rows filmed by a moving camera',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--count <n>', 'independent images', int, 200)
    .addOption(
      new Option('--sequences <n>', 'video-like sequences instead: rows filmed by a moving camera, one condition each')
        .argParser(int)
        .conflicts('count'),
    )
    .option('--frames <n>', 'with --sequences: frames per sequence (default 30)', int)
    .option(
      '--overlap <share>',
      "with --sequences: share of a frame's width the next frame repeats (default 0.9)",
      number,
    )
    .option(
      '--tail <t>',
      'with --sequences: long tail of conditions, P(k) ~ (k+1)^-t, 0 = all equally often (default 1)',
      number,
    )
    .option('--orchards <n>', 'with --sequences: orchards the rows belong to (default 3)', int)
    .option('--seed <n>', 'random seed (same seed, same bytes)', int, 0)
    .option('--width <px>', 'image width', int)
    .option('--height <px>', 'image height', int)
    .option('--style <style>', 'orchard (default) or alt (a different look, for generalisation checks)')
    .action((opts: SynthOptions) => {
      synthesizeOrchard(opts);
      console.log(synthSummary(path.resolve(opts.out)));
    });
  dataset
    .command('check')
    .argument(
      '<dir>',
      'dataset folder: MinneApple (images/ + masks/), KITTI (images/ + labels/), YOLO (images/ + labels/ + classes.txt), Pascal VOC (images/ + annotations/*.xml), COCO (images/ + annotations/*.json) or images only',
    )
    .option(
      '--classes <list>',
      "comma-separated class names (a loop's annotation.classes): boxes of other classes are problems; any class when absent",
      parseClasses,
    )
    .option('--json', 'print the report as JSON')
    .description('count images, labels and boxes, and list every problem found (exit code 1 when there is one)')
    .action(async (dir: string, opts: { json?: boolean; classes?: string[] }) => {
      const report = await checkDataset(path.resolve(dir), { classes: opts.classes });
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else console.log(formatReport(report));
      if (report.problems.length) process.exitCode = 1;
    });
  dataset
    .command('labels')
    .argument('<dir>', 'a labelled dataset folder: MinneApple (masks), KITTI or Pascal VOC')
    .requiredOption('--out <dir>', 'folder for the KITTI files, one <image>.txt each')
    .option('--images <file>', "only the images of this list, one path or name a line (a batch's images.txt)")
    .option(
      '--classes <list>',
      "comma-separated class names (a loop's annotation.classes): VOC boxes of other classes are left out",
      parseClasses,
    )
    .description("write a dataset's ground truth as KITTI label files: what a loop's batch needs from an annotator")
    .action(async (dir: string, opts: { out: string; images?: string; classes?: string[] }) => {
      let names: string[] | undefined;
      if (opts.images) {
        const list = await fs.promises.readFile(path.resolve(opts.images), 'utf8').catch((err: Error) => {
          throw new CliError(`--images: ${err.message}`, 2);
        });
        names = namesFromImageList(list);
      }
      const out = path.resolve(opts.out);
      const written = await writeDatasetLabels(path.resolve(dir), out, { names, classes: opts.classes }).catch(
        (err: Error) => {
          throw new CliError(err.message);
        },
      );
      console.log(`${out}: ${written.files} label files, ${written.boxes} boxes`);
    });
}

function formatReport(report: Awaited<ReturnType<typeof checkDataset>>): string {
  const lines = [
    `${report.root}: ${report.layout} layout, ${report.images} images, ${report.labelled} labelled, ${report.boxes} boxes`,
  ];
  if (report.boxesPerImage) {
    const b = report.boxesPerImage;
    lines.push(`boxes per labelled image: min ${b.min}, median ${b.median}, max ${b.max}`);
  }
  lines.push(report.problems.length ? `${report.problems.length} problem(s):` : 'no problems found');
  for (const problem of report.problems) lines.push(`  ${problem}`);
  return lines.join('\n');
}
