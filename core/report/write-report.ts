// Writes a loop's report folder: index.html, learning-curve.svg/.png, and copies of the images it shows,
// so the folder can be moved or served as it is.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write';
import { learningCurveSvg } from './learning-curve-svg';
import { svgToPng } from './learning-curve-png';
import { lightlyStudioGuiUrl } from '../lightly-studio/gui-address';
import { readReportData, type ReportData } from './report-data';
import { reportHtml } from './report-html';

export interface ReportOptions {
  projectDir: string;
  /** Default: <project>/report. */
  outDir?: string;
  examples?: number;
  thumbnailsPerRound?: number;
  minScore?: number;
  liveStatus?: string;
}

export interface WrittenReport {
  html: string;
  png: string;
  svg: string;
  data: ReportData;
}

export async function writeReport(options: ReportOptions): Promise<WrittenReport> {
  const thumbnailsPerRound = options.thumbnailsPerRound ?? 12;
  const data = await readReportData(options.projectDir, options.examples ?? 6);
  const outDir = options.outDir ?? path.join(options.projectDir, 'report');
  await fs.mkdir(path.join(outDir, 'images'), { recursive: true });

  // Every image the page shows, copied once under images/ (names are unique within a project).
  const imageHref = new Map<string, string>();
  const wanted = [
    ...data.rounds.flatMap((r) => r.selected.slice(0, thumbnailsPerRound)),
    ...data.examples.map((e) => e.name),
  ];
  for (const name of new Set(wanted)) {
    const source = data.imageFiles.get(name);
    if (!source) continue;
    const href = `images/${name}${path.extname(source)}`;
    await fs.copyFile(source, path.join(outDir, href));
    imageHref.set(name, href);
  }

  const points = data.rounds.flatMap((r) =>
    r.metrics ? [{ labelled: r.metrics.labelled, map50: r.metrics.map50, cocoAp: r.metrics.cocoAp }] : [],
  );
  const svg = learningCurveSvg(points, `${data.project}: accuracy against labelled images`);
  const svgPath = path.join(outDir, 'learning-curve.svg');
  const pngPath = path.join(outDir, 'learning-curve.png');
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, svgToPng(svg));
  const htmlPath = path.join(outDir, 'index.html');
  const html = reportHtml({
    data,
    learningCurve: 'learning-curve.png',
    imageHref,
    thumbnailsPerRound,
    minScore: options.minScore ?? 0.3,
    generatedAt: new Date().toISOString(),
    liveStatus: options.liveStatus,
    lightlyStudioUrl: lightlyStudioGuiUrl(),
  });
  await writeFileAtomic(htmlPath, html);
  return { html: htmlPath, png: pngPath, svg: svgPath, data };
}
