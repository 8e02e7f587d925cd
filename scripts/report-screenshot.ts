// Renders a report page in headless Chromium (Debian's `chromium`) and saves a screenshot: the check that a
// report really renders in a browser, and how docs/report-screenshot.png is made.
//   npx tsx scripts/report-screenshot.ts REPORT/index.html OUT.png [--width 1200] [--height 2400]
// CI machines have no Chromium; the report's own tests check its HTML and PNG without a browser.
import execa from 'execa';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { chromiumPath, QUIET_CHROMIUM_FLAGS } from './chromium';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { width: { type: 'string', default: '1200' }, height: { type: 'string', default: '2400' } },
});
const [page, out] = positionals;
if (!page || !out) {
  console.error('usage: report-screenshot REPORT/index.html OUT.png [--width W] [--height H]');
  process.exit(2);
}
const chromium = chromiumPath();

async function main(): Promise<void> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-chromium-'));
  const target = path.resolve(out);
  try {
    await execa(
      chromium,
      [
        '--headless',
        ...QUIET_CHROMIUM_FLAGS,
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        `--window-size=${values.width},${values.height}`,
        `--screenshot=${target}`,
        pathToFileURL(path.resolve(page)).href,
      ],
      { timeout: 120_000 },
    );
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
  const png = PNG.sync.read(fs.readFileSync(target));
  console.log(`${target}: ${png.width}x${png.height}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
