import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { learningCurveSvg, tickStep } from './learning-curve-svg';
import { svgToPng } from './learning-curve-png';
import { readReportData } from './report-data';
import { reportHtml } from './report-html';

const label = (x1: number) => `apple 0 0 0 ${x1} 10 ${x1 + 10} 20 0 0 0 0 0 0 0\n`;

/** A project folder as a 2-round loop leaves it while round 2 trains: round 2 selected, not yet evaluated. */
function projectFixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-report-'));
  const dataset = path.join(root, 'orchard');
  const project = path.join(root, 'ws', 'proj');
  fs.mkdirSync(path.join(dataset, 'images'), { recursive: true });
  fs.writeFileSync(
    path.join(dataset, 'scenes.json'),
    JSON.stringify({ a: { scene: 'sunny' }, b: { scene: 'dusk' }, c: { scene: 'sunny' }, v: { scene: 'sunny' } }),
  );
  const image = (name: string, split: string) => ({
    name,
    file: path.join(dataset, 'images', `${name}.png`),
    width: 64,
    height: 32,
    split,
  });
  fs.mkdirSync(path.join(project, 'validation', 'labels'), { recursive: true });
  fs.writeFileSync(
    path.join(project, 'manifest.json'),
    JSON.stringify({
      owner: 'run-1',
      layout: 'minneapple',
      datasetRoot: dataset,
      problems: [],
      images: [image('a', 'pool'), image('b', 'pool'), image('c', 'pool'), image('v', 'validation')],
    }),
  );
  fs.writeFileSync(path.join(project, 'validation', 'labels', 'v.txt'), label(1) + label(30));
  for (const round of [1, 2])
    fs.mkdirSync(path.join(project, 'rounds', String(round), 'validation-predictions'), { recursive: true });
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'selection.json'),
    JSON.stringify({ round: 1, method: 'CORESET', labelledBefore: 0, images: ['b', 'a'] }),
  );
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'metrics.json'),
    JSON.stringify({ round: 1, labelled: 2, map50: 0.5, coco_ap: 0.25 }),
  );
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'validation-predictions', 'v.txt'),
    'apple 0 0 0 1 10 11 20 0 0 0 0 0 0 0 0.9\napple 0 0 0 40 1 50 9 0 0 0 0 0 0 0 0.1\n',
  );
  fs.writeFileSync(
    path.join(project, 'rounds', '2', 'selection.json'),
    JSON.stringify({ round: 2, method: 'CORAL', score: 'uncertainty_entropy_mean', labelledBefore: 2, images: ['c'] }),
  );
  return project;
}

test('report data: a damaged project file is named with its wrong field', async () => {
  const project = projectFixture();
  const file = path.join(project, 'rounds', '2', 'selection.json');
  fs.writeFileSync(file, JSON.stringify({ round: 2, method: 'FOO', labelledBefore: 2, images: ['c'] }));
  await expect(readReportData(project, 3)).rejects.toThrow(new RegExp(`^${file}: method: `));
  fs.writeFileSync(path.join(project, 'rounds', '1', 'metrics.json'), '{"round": 1');
  fs.rmSync(file);
  await expect(readReportData(project, 3)).rejects.toThrow(/metrics\.json: not JSON/);
});

test('report data: rounds with and without metrics, scene counts, examples from the last evaluated round', async () => {
  const data = await readReportData(projectFixture(), 3);
  expect(data.rounds.map((r) => [r.round, r.method, r.selected.length, r.metrics?.map50 ?? null])).toEqual([
    [1, 'CORESET', 2, 0.5],
    [2, 'CORAL', 1, null],
  ]);
  expect(data.rounds[0].sceneCounts).toEqual({ dusk: 1, sunny: 1 });
  expect(data.poolScenes).toEqual({ sunny: 2, dusk: 1 });
  expect([data.poolCount, data.validationCount, data.exampleRound]).toEqual([3, 1, 1]);
  expect(data.examples).toHaveLength(1);
  expect(data.examples[0].groundTruth).toHaveLength(2);
  expect(data.examples[0].predictions.map((p) => p.score)).toEqual([0.9, 0.1]);
});

test('report data: a folder that is not a project is refused by name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-report-'));
  await expect(readReportData(dir, 1)).rejects.toThrow(`${dir}/manifest.json: no manifest`);
});

test('page: escapes names, draws predictions from the minimum score, marks unevaluated rounds', async () => {
  const data = await readReportData(projectFixture(), 1);
  data.project = 'a<b>&c';
  const html = reportHtml({
    data,
    learningCurve: 'lc.png',
    imageHref: new Map([['v', 'images/v.png']]),
    thumbnailsPerRound: 1,
    minScore: 0.3,
    generatedAt: 'now',
    lightlyStudioUrl: 'http://127.0.0.1:8001',
  });
  expect(html).toContain('pomona report: a&lt;b&gt;&amp;c');
  expect(html).not.toContain('a<b>');
  expect(html.match(/stroke="#e74c3c"/g)).toHaveLength(1); // the 0.1 box is below 0.3
  expect(html.match(/stroke-dasharray/g)).toHaveLength(2);
  // round 2 is selected but not evaluated: how many were labelled after it is not known (issue 17, point 6)
  expect(html).toContain(
    '<td>2</td><td class="text">CORAL (uncertainty_entropy_mean)</td><td>1</td><td>–</td><td>–</td><td>–</td>',
  );
  expect(html).toMatch(/<td>1<\/td><td class="text">[A-Z]+<\/td><td>\d+<\/td><td>\d+<\/td><td>0\.\d{3}<\/td>/);
  expect(html).toContain('and 1 more: a');
});

test('page: with several classes, each round shows its AP@0.5 and its labelled boxes per class', async () => {
  const project = projectFixture();
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'metrics.json'),
    JSON.stringify({ round: 1, labelled: 2, map50: 0.5, coco_ap: 0.25, ap50_by_class: { alive: 0.75, dead: 0.25 } }),
  );
  fs.writeFileSync(
    path.join(project, 'rounds', '1', 'labelled.json'),
    JSON.stringify({ round: 1, images: [], boxesByClass: { alive: 3, dead: 9 } }),
  );
  const data = await readReportData(project, 1);
  expect(data.rounds[0].metrics?.ap50ByClass).toEqual({ alive: 0.75, dead: 0.25 });
  expect(data.rounds[0].labelledBoxesByClass).toEqual({ alive: 3, dead: 9 });
  const html = reportHtml({
    data,
    learningCurve: 'lc.png',
    imageHref: new Map(),
    thumbnailsPerRound: 1,
    minScore: 0.3,
    generatedAt: 'now',
    lightlyStudioUrl: 'http://127.0.0.1:8001',
  });
  expect(html).toContain('<th>labelled boxes by class</th><th>mAP@0.5</th><th>AP@0.5 by class</th>');
  expect(html).toContain(
    '<td class="text">alive 3, dead 9</td><td>0.500</td><td class="text">alive 0.750, dead 0.250</td><td>0.250</td>',
  );
  expect(html).toContain('<td>–</td><td class="text">–</td><td>–</td><td class="text">–</td><td>–</td></tr>');
});

test("page: links the project's LightlyStudio dataset and names each round's tag, or says how to push one", async () => {
  const project = projectFixture();
  const page = async () =>
    reportHtml({
      data: await readReportData(project, 0),
      learningCurve: 'lc.png',
      imageHref: new Map(),
      thumbnailsPerRound: 1,
      minScore: 0.3,
      generatedAt: 'now',
      lightlyStudioUrl: 'http://127.0.0.1:8001',
    });
  const before = await page();
  expect(before).toContain('Not in LightlyStudio yet: <code>npx pomona lightly push proj</code>');
  expect(before).not.toContain('href="http://127.0.0.1:8001"');
  fs.mkdirSync(path.join(project, 'lightly-studio'));
  fs.writeFileSync(path.join(project, 'lightly-studio', 'dataset.db'), '');
  const after = await page();
  expect(after).toContain(`Dataset ${path.join(project, 'lightly-studio', 'dataset.db')}, last pushed `);
  expect(after).toContain('<code>npx pomona lightly gui proj</code> and open <a href="http://127.0.0.1:8001">');
  expect(after).toContain('round 1: <code>initial-selection</code>, round 2: <code>al-iteration-1</code>');
});

test('learning curve: ticks, point positions and a PNG with both series drawn', () => {
  expect([tickStep(3), tickStep(60), tickStep(1000), tickStep(0)]).toEqual([1, 20, 200, 1]);
  const svg = learningCurveSvg(
    [
      { labelled: 20, map50: 1, cocoAp: 0 },
      { labelled: 40, map50: 0.5, cocoAp: 0.25 },
    ],
    'demo',
  );
  // x axis 0..40 over 56..620; y 1..0 over 36..312.
  expect(svg).toContain('points="338.0,36.0 620.0,174.0"');
  expect(svg).toContain('points="338.0,312.0 620.0,243.0"');
  const png = PNG.sync.read(svgToPng(svg));
  expect([png.width, png.height]).toEqual([640, 360]);
  const at = (x: number, y: number) =>
    Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
  expect(at(620, 174)).toEqual([0xc0, 0x39, 0x2b]); // the mAP point
  expect(at(620, 243)).toEqual([0x24, 0x71, 0xa3]); // the COCO AP point
  expect(at(100, 100)).toEqual([255, 255, 255]);
});
