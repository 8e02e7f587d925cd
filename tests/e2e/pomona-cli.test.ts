// The `pomona` command as users run it (`npx pomona`, the built CLI), against a real dev server and
// real workers: offline commands, then start / status / annotate on a live loop.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { repositoryRoot } from '../../core/io/repository-root';
import type { activeLearningLoop } from '../../workflows/active-learning-loop';
import type { LoopStatus } from '../../workflows/messages';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { processesMatching, waitForNoProcess } from '../helpers/process-table';

jest.setTimeout(600_000);

const loopEnv = useLoopEnvironment();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-cli-'));
const orchard = path.join(work, 'orchard');

/** Runs pomona; asynchronous so the in-process workers keep running. Never throws: returns the exit code. */
async function pomona(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // Through npx, exactly as the README shows it.
    const { stdout, stderr } = await promisify(execFile)('npx', ['--no-install', 'pomona', ...args], {
      cwd: repositoryRoot(),
      env: { ...process.env, TEMPORAL_ADDRESS: loopEnv().address },
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('dataset synth and check', async () => {
  const synth = await pomona(
    'dataset',
    'synth',
    '--out',
    orchard,
    '--count',
    '16',
    '--seed',
    '3',
    '--width',
    '160',
    '--height',
    '96',
  );
  expect(synth.code).toBe(0);
  expect(synth.stdout).toMatch(/: 16 images, \d+ apples, \d scene kinds \(sunny \d+%/);
  const check = await pomona('dataset', 'check', orchard, '--json');
  expect(check.code).toBe(0);
  expect(JSON.parse(check.stdout)).toMatchObject({ layout: 'minneapple', images: 16, labelled: 16, problems: [] });
  const rows = path.join(work, 'rows');
  const sequences = await pomona(
    'dataset',
    'synth',
    '--out',
    rows,
    '--sequences',
    '2',
    '--frames',
    '3',
    '--overlap',
    '0.8',
    '--width',
    '160',
    '--height',
    '96',
  );
  expect(sequences.code).toBe(0);
  expect(sequences.stdout).toMatch(new RegExp(`^${rows}: 6 images, \\d+ apples, [12] scene kinds \\(\\w+ \\d+%`));
  expect(JSON.parse((await pomona('dataset', 'check', rows, '--json')).stdout)).toMatchObject({
    layout: 'minneapple',
    images: 6,
    labelled: 6,
    problems: [],
  });
  const both = await pomona('dataset', 'synth', '--out', rows, '--count', '4', '--sequences', '2');
  expect(both.code).not.toBe(0);
  expect(both.stderr).toContain("'--sequences <n>' cannot be used with option '--count <n>'");
  const overlap = await pomona('dataset', 'synth', '--out', rows, '--sequences', '1', '--overlap', '1');
  expect(overlap.code).toBe(2);
  expect(overlap.stderr).toContain('--overlap 1.0: need 0 <= overlap < 1');
  // Its ground truth as KITTI files: all of it, or the images of a list (a batch's images.txt).
  const labels = await pomona('dataset', 'labels', orchard, '--out', path.join(work, 'all-labels'));
  expect(labels.stdout).toMatch(new RegExp(`^${path.join(work, 'all-labels')}: 16 label files, \\d+ boxes`));
  expect(fs.readdirSync(path.join(work, 'all-labels'))).toHaveLength(16);
  const list = path.join(work, 'two.txt');
  fs.writeFileSync(list, `${path.join(orchard, 'images', '000003.png')}\n000004\n`);
  expect(
    (await pomona('dataset', 'labels', orchard, '--images', list, '--out', path.join(work, 'two-labels'))).code,
  ).toBe(0);
  expect(fs.readdirSync(path.join(work, 'two-labels')).sort()).toEqual(['000003.txt', '000004.txt']);
  fs.writeFileSync(list, 'nope\n');
  const unknown = await pomona('dataset', 'labels', orchard, '--images', list, '--out', path.join(work, 'none'));
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('1 listed image(s) not in the dataset: nope');
  const bad = await pomona('dataset', 'check', path.join(work, 'nowhere'));
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('not a folder');
});

test('a bad argument is answered in one line with exit code 2; a bad input file in one line, no stack', async () => {
  const cases: [string[], RegExp][] = [
    [['demo', '--images', 'x'], /^error: option '--images <n>' argument 'x' is invalid\. not an integer\.$/],
    [
      ['select', '--embeddings', '/dev/null', '--n', '-3'],
      /^error: option '--n <count>' argument '-3' is invalid\. must be at least 1\.$/,
    ],
    [
      ['annotate', 'submit', 'x', '--round', 'abc', '--labels', '/tmp'],
      /^error: option '--round <n>' argument 'abc' is invalid\. not an integer\.$/,
    ],
    [['nosuch'], /^error: unknown command 'nosuch'$/],
    [
      ['worker', '--queues', 'cpu,tpu'],
      /^error: option '--queues <list>' argument 'cpu,tpu' is invalid\. "tpu" is not one of cpu, gpu\.$/,
    ],
    [
      ['worker', '--log-level', 'verbose'],
      /^error: option '--log-level <level>' argument 'verbose' is invalid\. "verbose" is not one of WARN, INFO, DEBUG\.$/,
    ],
    [
      ['report', 'x', '--examples', '-1'],
      /^error: option '--examples <n>' argument '-1' is invalid\. must be at least 0\.$/,
    ],
    [
      ['annotator', '--simulate', '--delay', 'soon'],
      /^error: option '--delay <duration>' argument 'soon' is invalid\. not a duration like 500ms, 2s, 5m or 1h\.$/,
    ],
  ];
  for (const [args, message] of cases) {
    const out = await pomona(...args);
    expect([args.join(' '), out.code, out.stderr.trim()]).toEqual([args.join(' '), 2, expect.stringMatching(message)]);
  }
  const missing = await pomona('evaluate', '--gt', path.join(work, 'nowhere'), '--pred', work);
  expect([missing.code, missing.stderr.trim()]).toEqual([1, `pomona: ${path.join(work, 'nowhere')}: no such folder`]);
  const csv = path.join(work, 'bad.csv');
  fs.writeFileSync(csv, 'name,x\na,1\n');
  const malformed = await pomona('select', '--embeddings', csv, '--n', '1');
  expect(malformed.code).toBe(1);
  expect(malformed.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^pomona: .*bad\.csv:1: header must have "filenames"/),
  ]);
  const unknown = await pomona('status', 'nosuchloop');
  expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'pomona: workflow not found for ID: pomona-nosuchloop']);
});

test('config schema and check name the bad field', async () => {
  const schema = await pomona('config', 'schema');
  expect(JSON.parse(schema.stdout).properties.project.type).toBe('string');
  const file = path.join(work, 'bad.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      project: 'x',
      workspace: 'ws',
      dataset: { path: 'data' },
      selection: { initial: { size: { nTotal: 'ten' } }, rounds: { size: { batchSize: 5 } } },
    }),
  );
  const check = await pomona('config', 'check', file);
  expect(check.code).toBe(2);
  expect(check.stderr).toContain('selection.initial.size');
});

test('evaluate scores predictions; select prints file names', async () => {
  const gt = path.join(work, 'gt');
  fs.mkdirSync(gt);
  fs.writeFileSync(
    path.join(gt, 'a.txt'),
    'apple 0 0 0 10 10 30 30 0 0 0 0 0 0 0\napple 0 0 0 50 50 70 70 0 0 0 0 0 0 0\n',
  );
  const pred = path.join(work, 'pred');
  fs.mkdirSync(pred);
  fs.writeFileSync(path.join(pred, 'a.txt'), 'apple 0 0 0 10 10 30 30 0 0 0 0 0 0 0 0.9\n');
  const evaluated = await pomona('evaluate', '--gt', gt, '--pred', pred);
  expect(JSON.parse(evaluated.stdout)).toMatchObject({ map50: 0.5, images: 1, gt_boxes: 2, detections: 1 });

  fs.writeFileSync(path.join(work, 'pre.txt'), 'a.png\n');
  const csv = path.join(work, 'emb.csv');
  fs.writeFileSync(
    csv,
    'filenames,embedding_0,embedding_1,labels\na.png,0,0,0\nb.png,0,1,0\nc.png,5,5,0\nd.png,0.1,0,0\n',
  );
  const selected = await pomona('select', '--embeddings', csv, '--method', 'CORESET', '--n', '2');
  expect(selected.stdout.trim().split('\n')).toEqual(['a.png', 'c.png']);
  const noPred = await pomona('select', '--embeddings', csv, '--method', 'CORAL', '--n', '2');
  expect(noPred.code).toBe(2);
  expect(noPred.stderr).toContain('needs --pred');
  // CORAL: after a, the uncertain d (a 0.5 box) beats the farther but certain c (a 0.9999 box: 7.07 x 0.0015 < 0.1 x 1).
  fs.writeFileSync(path.join(pred, 'c.txt'), 'apple 0 0 0 1 1 5 5 0 0 0 0 0 0 0 0.9999\n');
  fs.writeFileSync(path.join(pred, 'd.txt'), 'apple 0 0 0 1 1 5 5 0 0 0 0 0 0 0 0.5\n');
  fs.writeFileSync(path.join(pred, 'b.txt'), '');
  const coral = await pomona(
    'select',
    '--embeddings',
    csv,
    '--method',
    'CORAL',
    '--n',
    '1',
    '--pred',
    pred,
    '--preselected',
    path.join(work, 'pre.txt'),
  );
  expect(coral.stdout.trim()).toBe('d.png');
  // UNCERTAINTY: d (0.5: entropy 1), then a (0.9), then c (0.9999); b has no boxes (0), whatever the distances.
  const uncertain = await pomona('select', '--embeddings', csv, '--method', 'uncertainty', '--n', '3', '--pred', pred);
  expect(uncertain.stdout.trim().split('\n')).toEqual(['d.png', 'a.png', 'c.png']);
  const unknown = await pomona('select', '--embeddings', csv, '--method', 'ENTROPY', '--n', '1');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain(
    '"ENTROPY" is not one of RANDOM, CORESET, TYPICLUST, CORAL, UNCERTAINTY, UNCERTAIN_CORESET',
  );
  const scores = JSON.parse((await pomona('scores', '--pred', pred)).stdout) as Record<string, Record<string, number>>;
  expect(scores.d.uncertainty_entropy).toBeCloseTo(1, 9);
  expect(scores.b.uncertainty_entropy).toBe(0);
});

test('start, status, annotate export and submit on a live loop', async () => {
  const config = path.join(work, 'loop.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      project: 'clitest',
      workspace: 'workspace',
      dataset: { path: 'orchard' },
      selection: { initial: { size: { nTotal: 4 } }, rounds: { size: { batchSize: 4 } } },
      embedding: { epochs: 1, dim: 8 },
      trainer: { minSteps: 0, epochs: 1, checkpointInterval: 1, device: 'cpu', inputSize: '128x64' },
      stop: { maxRounds: 1 },
    }),
  );
  const started = await pomona('start', '--config', config);
  expect(started.code).toBe(0);
  expect(started.stdout.trim()).toBe('pomona-clitest');

  let status: LoopStatus | undefined;
  for (let i = 0; i < 300 && status?.phase !== 'awaiting-annotation'; i++) {
    const out = await pomona('status', 'clitest', '--json');
    if (out.code === 0) status = JSON.parse(out.stdout) as LoopStatus;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(status?.pendingBatch?.count).toBe(4);
  const text = await pomona('status', 'clitest');
  expect(text.stdout).toContain('waiting for labels: round 1, 4 images');

  const exported = await pomona('annotate', 'export', 'clitest', '--to', path.join(work, 'batch'));
  expect(JSON.parse(exported.stdout)).toMatchObject({ round: 1, count: 4 });
  expect(fs.readdirSync(path.join(work, 'batch', 'images'))).toHaveLength(4);

  const empty = path.join(work, 'empty-labels');
  fs.mkdirSync(empty);
  const rejected = await pomona('annotate', 'submit', 'clitest', '--round', '1', '--labels', empty);
  expect(rejected.code).toBe(1);
  expect(rejected.stderr).toContain('missing label file');

  // The batch's README.txt says what to write and how; for a labelled dataset a command writes it.
  const readme = fs.readFileSync(path.join(status!.pendingBatch!.exportDir, 'README.txt'), 'utf8');
  expect(readme).toContain('CLASS one of: apple');
  expect(readme).toContain(
    `npx pomona dataset labels <dataset folder> --images ${status!.pendingBatch!.imageListPath} --classes apple --out <new folder>`,
  );
  expect(readme).toContain('npx pomona annotate submit pomona-clitest --round 1 --labels <folder>');
  const labels = path.join(work, 'batch-labels');
  expect(
    (await pomona('dataset', 'labels', orchard, '--images', status!.pendingBatch!.imageListPath, '--out', labels)).code,
  ).toBe(0);
  const accepted = await pomona('annotate', 'submit', 'clitest', '--round', '1', '--labels', labels);
  expect(accepted.code).toBe(0);
  expect(accepted.stdout).toContain('4 images labelled in total');

  const result = await loopEnv().client.workflow.getHandle<typeof activeLearningLoop>('pomona-clitest').result();
  expect(result.stopReason).toBe('max-rounds');
  const final = await pomona('status', 'clitest');
  expect(final.stdout).toMatch(/round 1: 4 labelled, mAP@0.5 \d\.\d{3}/);
});

test('report writes a page for the finished loop, found by its id', async () => {
  const out = path.join(work, 'report');
  const report = await pomona('report', 'clitest', '--out', out, '--examples', '2');
  expect(report.code).toBe(0);
  expect(report.stdout).toContain('1 rounds, 1 evaluated');
  const status = JSON.parse((await pomona('status', 'clitest', '--json')).stdout) as LoopStatus;
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  expect(html).toContain(`<td>${status.metrics[0].map50.toFixed(3)}</td>`);
  expect(html).toContain('completed, phase completed, round 1');
  expect(html.match(/<figure><svg/g)).toHaveLength(2);
  // The page refers only to files inside its folder, and they are all there.
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  expect(refs.length).toBeGreaterThanOrEqual(4 + 2 + 1);
  for (const ref of refs) expect(fs.existsSync(path.join(out, ref))).toBe(true);
  const png = PNG.sync.read(fs.readFileSync(path.join(out, 'learning-curve.png')));
  expect([png.width, png.height]).toEqual([640, 360]);

  const missing = await pomona('report', 'nosuchloop');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('no loop with id pomona-nosuchloop');
});

test("predict runs the finished loop's model on new images: KITTI per image, COCO on request", async () => {
  const images = path.join(orchard, 'images');
  const names = fs.readdirSync(images).map((f) => path.parse(f).name);
  const out = path.join(work, 'predicted');
  const coco = path.join(work, 'predicted.json');
  const byLoop = await pomona('predict', '--loop', 'clitest', '--images', images, '--out', out, '--coco', coco);
  expect(byLoop.code).toBe(0);
  expect(byLoop.stderr).toMatch(
    /^pomona-clitest: round 1's model .*\/clitest\/rounds\/1\/train\/weights\/epoch_\d{3}\.pt$/m,
  );
  expect(fs.readdirSync(out).sort()).toEqual(names.map((n) => `${n}.txt`).sort());
  const written = JSON.parse(fs.readFileSync(coco, 'utf8')) as {
    images: { id: number; file_name: string; width: number; height: number }[];
    annotations: { image_id: number; bbox: number[]; score: number }[];
  };
  expect(written.images.map((i) => path.parse(i.file_name).name).sort()).toEqual([...names].sort());
  const boxes = fs
    .readdirSync(out)
    .reduce((n, f) => n + fs.readFileSync(path.join(out, f), 'utf8').trim().split('\n').filter(Boolean).length, 0);
  expect(written.annotations).toHaveLength(boxes);
  expect(byLoop.stdout.trim()).toBe(`${names.length} images, ${boxes} boxes (score >= 0.05) in ${out}; COCO: ${coco}`);
  for (const a of written.annotations) {
    const image = written.images.find((i) => i.id === a.image_id)!;
    expect(a.bbox[0] + a.bbox[2]).toBeLessThanOrEqual(image.width + 0.5);
    expect(a.bbox[1] + a.bbox[3]).toBeLessThanOrEqual(image.height + 0.5);
    expect(a.score).toBeGreaterThanOrEqual(0.05);
  }

  // The same model by its checkpoint gives the same predictions.
  const model = /round 1's model (\S+)$/m.exec(byLoop.stderr)![1];
  const byModel = path.join(work, 'predicted-by-model');
  expect((await pomona('predict', '--model', model, '--images', images, '--out', byModel)).code).toBe(0);
  for (const f of fs.readdirSync(out))
    expect(fs.readFileSync(path.join(byModel, f), 'utf8')).toBe(fs.readFileSync(path.join(out, f), 'utf8'));

  // Bad arguments: one line, exit code 2, nothing written.
  for (const [args, message] of [
    [['--images', images, '--out', path.join(work, 'x')], 'pomona: give one of --loop ID and --model CKPT'],
    [
      ['--loop', 'clitest', '--model', model, '--images', images, '--out', path.join(work, 'x')],
      'pomona: give one of --loop ID and --model CKPT',
    ],
    [['--model', model, '--images', images, '--out', out], `pomona: --out ${out}: not empty (nothing is overwritten)`],
    [
      ['--model', model, '--images', path.join(work, 'nope'), '--out', path.join(work, 'x')],
      `pomona: --images ${path.join(work, 'nope')}: not a folder`,
    ],
    [
      ['--model', path.join(work, 'nope.pt'), '--images', images, '--out', path.join(work, 'x')],
      `pomona: --model ${path.join(work, 'nope.pt')}: no such file`,
    ],
    [
      ['--model', model, '--images', images, '--out', path.join(work, 'x'), '--scales', '0,1'],
      'pomona: trainer infer: --scales 0,1: each factor within 0.1..4, none twice',
    ],
  ] as const) {
    const refused = await pomona('predict', ...args);
    expect({ code: refused.code, stderr: refused.stderr.trim() }).toEqual({ code: 2, stderr: message });
  }
  expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
});

test("export writes the finished loop's model as ONNX, checked against PyTorch, and never overwrites", async () => {
  const onnx = path.join(work, 'detector.onnx');
  const exported = await pomona('export', '--loop', 'clitest', '--format', 'onnx', '--out', onnx);
  expect(exported.code).toBe(0);
  expect(exported.stderr).toMatch(/^pomona-clitest: round 1's model .*\/rounds\/1\/train\/weights\/epoch_\d{3}\.pt$/m);
  expect(exported.stdout).toMatch(
    /: ONNX model of .*epoch_\d{3}\.pt \(largest difference from PyTorch on a check input: \d\.\de-\d+\)\n$/,
  );
  expect(fs.statSync(onnx).size).toBeGreaterThan(100_000);
  const again = await pomona('export', '--loop', 'clitest', '--out', onnx);
  expect({ code: again.code, stderr: again.stderr.trim() }).toEqual({
    code: 2,
    stderr: `pomona: --out ${onnx}: exists (nothing is overwritten)`,
  });
  const tflite = await pomona(
    'export',
    '--loop',
    'clitest',
    '--format',
    'tflite',
    '--out',
    path.join(work, 'm.tflite'),
  );
  expect({ code: tflite.code, stderr: tflite.stderr.trim() }).toEqual({
    code: 2,
    stderr: `error: option '--format <format>' argument 'tflite' is invalid. "tflite" is not one of onnx.`,
  });
});

// Last in this file: the extra worker polls the queues the loops above used.
test("`npx pomona worker &` then `kill $!` ends the worker, not only npm's wrapper", async () => {
  const marker = `POMONA_ORPHAN_TEST=${process.pid}-${Date.now()}`;
  // The README's way, in a shell: $! is the `npm exec` wrapper, the worker its grandchild.
  const shell = spawn('bash', ['-c', 'npx --no-install pomona worker --log-level WARN & echo $!; wait'], {
    cwd: repositoryRoot(),
    env: { ...process.env, TEMPORAL_ADDRESS: loopEnv().address, POMONA_ORPHAN_TEST: marker.split('=')[1] },
  });
  let stdout = '';
  let stderr = '';
  shell.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  shell.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const deadline = Date.now() + 120_000;
    while (!stderr.includes('pomona worker: polling') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toContain('pomona worker: polling');
    const wrapper = Number(stdout.trim().split('\n')[0]);
    expect(Number.isInteger(wrapper)).toBe(true);
    const before = processesMatching(marker, 'environ').filter((p) => p.pid !== shell.pid && p.pid !== wrapper);
    expect(before.length).toBeGreaterThan(0); // the worker itself (and npm's shell)

    process.kill(wrapper, 'SIGTERM');
    expect(await waitForNoProcess(marker, 30_000, 'environ')).toEqual([]);
  } finally {
    // Whatever failed above, nothing of it stays running.
    for (const { pid } of processesMatching(marker, 'environ')) process.kill(pid, 'SIGKILL');
  }
});
