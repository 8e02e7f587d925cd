// The report page: one self-contained HTML file that refers only to files beside it (the learning curve
// PNG and copied images), with boxes drawn as inline SVG over the images. No script, no network.
import type { Box } from '../formats/kitti';
import { selectionTagName } from '../lightly-studio/push-plan';
import { escapeXml as esc } from './learning-curve-svg';
import type { ReportData, ReportExample } from './report-data';

export interface ReportPageInput {
  data: ReportData;
  /** Report-relative path of the learning curve PNG. */
  learningCurve: string;
  /** Report-relative path of each copied image, by image name. */
  imageHref: Map<string, string>;
  /** How many selected images per round get a thumbnail (the rest are named). */
  thumbnailsPerRound: number;
  /** Predictions below this score are not drawn. */
  minScore: number;
  generatedAt: string;
  /** The loop's live state, when the report was made through Temporal. */
  liveStatus?: string;
  /** Where `pomona lightly gui` serves the project's dataset (its default port). */
  lightlyStudioUrl: string;
}

const STYLE = `body{font-family:DejaVu Sans,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th{background:#f3f3f3}td.text{text-align:left}td:first-child,th:first-child{text-align:left}.muted{color:#777}
.thumbs{display:flex;flex-wrap:wrap;gap:6px}.thumbs figure{margin:0;font-size:11px;text-align:center}
.thumbs img{height:72px;display:block}.examples{display:flex;flex-wrap:wrap;gap:12px}
.examples figure{margin:0;font-size:12px;width:340px}.examples svg{width:340px;height:auto;display:block}
.legend span{display:inline-block;width:14px;height:3px;vertical-align:middle;margin:0 4px 0 12px}`;

function fmt(v: number | undefined): string {
  return v === undefined ? '–' : v.toFixed(3);
}

function rect(b: Box, colour: string, dashed: boolean): string {
  const dash = dashed ? ' stroke-dasharray="4 3"' : '';
  return `<rect x="${b.x1}" y="${b.y1}" width="${Math.max(0, b.x2 - b.x1)}" height="${Math.max(0, b.y2 - b.y1)}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`;
}

function exampleFigure(e: ReportExample, href: string, minScore: number): string {
  const shown = e.predictions.filter((p) => (p.score ?? 1) >= minScore);
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${e.width} ${e.height}">
<image href="${esc(href)}" width="${e.width}" height="${e.height}"/>
${e.groundTruth.map((b) => rect(b, '#27ae60', true)).join('')}
${shown.map((b) => rect(b, '#e74c3c', false)).join('')}
</svg><figcaption>${esc(e.name)}: ${e.groundTruth.length} labelled, ${shown.length} predicted</figcaption></figure>`;
}

function roundsTable(data: ReportData): string {
  // Several classes: each round's AP@0.5 per class, and the labelled set's boxes per class (the class
  // balance), in columns of their own.
  const perClass = data.rounds.some((r) => r.metrics?.ap50ByClass);
  const balance = data.rounds.some((r) => r.labelledBoxesByClass);
  const rows = data.rounds.map((r) => {
    const method = r.score ? `${r.method} (${r.score})` : r.method;
    // known once the round is evaluated: a selected batch may never be labelled (a loop stopped while it waited)
    const after = r.metrics ? String(r.metrics.labelled) : '–';
    const byClass = Object.entries(r.metrics?.ap50ByClass ?? {})
      .map(([cls, ap]) => `${cls} ${fmt(ap)}`)
      .join(', ');
    const classCell = perClass ? `<td class="text">${esc(byClass || '–')}</td>` : '';
    const boxes = Object.entries(r.labelledBoxesByClass ?? {})
      .map(([cls, n]) => `${cls} ${n}`)
      .join(', ');
    const balanceCell = balance ? `<td class="text">${esc(boxes || '–')}</td>` : '';
    return `<tr><td>${r.round}</td><td class="text">${esc(method)}</td><td>${r.selected.length}</td><td>${after}</td>${balanceCell}<td>${fmt(r.metrics?.map50)}</td>${classCell}<td>${fmt(r.metrics?.cocoAp)}</td></tr>`;
  });
  const classHead = perClass ? '<th>AP@0.5 by class</th>' : '';
  const balanceHead = balance ? '<th>labelled boxes by class</th>' : '';
  return `<table><tr><th>round</th><th>selection</th><th>selected</th><th>labelled after</th>${balanceHead}<th>mAP@0.5</th>${classHead}<th>COCO AP</th></tr>${rows.join('')}</table>`;
}

// Where to look at the pool, its clusters and each round's picks (docs/lightly.md). The GUI is a local server
// started on demand, so the page links its default address and says how to start it.
function lightlyStudioSection(data: ReportData, guiUrl: string): string {
  const gui = `npx pomona lightly gui ${data.project}`;
  if (!data.lightlyStudio)
    return `<p class="muted">Not in LightlyStudio yet: <code>npx pomona lightly push ${esc(data.project)}</code>, then <code>${esc(gui)}</code> (docs/lightly.md).</p>`;
  const tags = data.rounds.map((r) => `round ${r.round}: <code>${esc(selectionTagName(r.round))}</code>`).join(', ');
  return `<p>Dataset ${esc(data.lightlyStudio.dbFile)}, last pushed ${esc(data.lightlyStudio.pushedAt.toISOString())}. Start its GUI with <code>${esc(gui)}</code> and open <a href="${esc(guiUrl)}">${esc(guiUrl)}</a>: the pool with pomona's embeddings, the labels, each round's predictions, and one tag per round's selection${tags ? ` (${tags})` : ''}.</p>`;
}

function scenesTable(data: ReportData): string {
  if (!data.poolScenes)
    return '<p class="muted">The dataset has no scene metadata (scenes.json), so selections are shown as images only.</p>';
  const kinds = Object.keys(data.poolScenes).sort(
    (a, b) => (data.poolScenes![b] ?? 0) - (data.poolScenes![a] ?? 0) || a.localeCompare(b),
  );
  const head = `<tr><th></th>${kinds.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>`;
  const pool = `<tr><td>pool</td>${kinds.map((k) => `<td>${data.poolScenes![k] ?? 0}</td>`).join('')}</tr>`;
  const rows = data.rounds.map(
    (r) => `<tr><td>round ${r.round}</td>${kinds.map((k) => `<td>${r.sceneCounts[k] ?? 0}</td>`).join('')}</tr>`,
  );
  return `<table>${head}${pool}${rows.join('')}</table>`;
}

function selectedImages(input: ReportPageInput): string {
  return input.data.rounds
    .map((r) => {
      const shown = r.selected.slice(0, input.thumbnailsPerRound);
      const figures = shown.map((name) => {
        const href = input.imageHref.get(name);
        return href
          ? `<figure><img src="${esc(href)}" alt="${esc(name)}"><figcaption>${esc(name)}</figcaption></figure>`
          : `<figure>${esc(name)}</figure>`;
      });
      const rest = r.selected.length - shown.length;
      return `<h3>Round ${r.round}: ${r.selected.length} images (${esc(r.method)})</h3><div class="thumbs">${figures.join('')}</div>${rest > 0 ? `<p class="muted">and ${rest} more: ${esc(r.selected.slice(shown.length).join(', '))}</p>` : ''}`;
    })
    .join('\n');
}

export function reportHtml(input: ReportPageInput): string {
  const { data } = input;
  const examples = data.examples.map((e) => exampleFigure(e, input.imageHref.get(e.name) ?? '', input.minScore));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pomona report: ${esc(data.project)}</title><style>${STYLE}</style></head>
<body>
<h1>pomona report: ${esc(data.project)}</h1>
<p class="muted">Generated ${esc(input.generatedAt)} from ${esc(data.projectDir)}. Dataset ${esc(data.datasetRoot)} (${esc(data.layout)} layout): ${data.poolCount} pool images, ${data.validationCount} validation images.</p>
${input.liveStatus ? `<p>Loop: ${esc(input.liveStatus)}</p>` : ''}
<h2>Accuracy per round</h2>
<p>Each round's model evaluated on the fixed validation split (mAP@0.5: VOC all-point; COCO AP: IoU 0.50:0.95).</p>
<img src="${esc(input.learningCurve)}" alt="mAP and COCO AP against labelled images" width="640" height="360">
${roundsTable(data)}
<h2>Scenes selected</h2>
${scenesTable(data)}
<h2>Selected images</h2>
${selectedImages(input)}
<h2>In LightlyStudio</h2>
${lightlyStudioSection(data, input.lightlyStudioUrl)}
<h2>Predictions on validation images${data.exampleRound !== null ? ` (round ${data.exampleRound} model)` : ''}</h2>
${examples.length ? `<p class="legend">boxes:<span style="background:#27ae60"></span>labelled (dashed)<span style="background:#e74c3c"></span>predicted, score ≥ ${input.minScore}</p><div class="examples">${examples.join('\n')}</div>` : '<p class="muted">No evaluated round yet.</p>'}
</body></html>
`;
}
