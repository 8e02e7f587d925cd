// Starts LightlyStudio's GUI on a pushed project (`pomona lightly push`), filters its grid to one round's
// selection tag in headless Chromium (Debian's `chromium`, driven by playwright-core) and saves a
// screenshot: how docs/lightly-studio-tag.png is made.
//   npx tsx scripts/lightly-studio-screenshot.ts PROJECT_DIR OUT.png [--tag al-iteration-1] [--port 8001]
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { lightlyStudioDbFile } from '../core/lightly-studio/push-plan';
import { startLightlyStudioGui } from '../cli/lightly/lightly-studio-gui';
import { chromiumPath, QUIET_CHROMIUM_FLAGS } from './chromium';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tag: { type: 'string', default: 'al-iteration-1' },
    port: { type: 'string', default: '8001' },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '900' },
  },
});
const [projectDir, out] = positionals;
if (!projectDir || !out) {
  console.error('usage: lightly-studio-screenshot PROJECT_DIR OUT.png [--tag NAME] [--port N]');
  process.exit(2);
}
const executablePath = chromiumPath();
// The grid's first page waits on a query over every stored box (tens of seconds on a loaded machine).
const GRID_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const gui = await startLightlyStudioGui({ dbFile: lightlyStudioDbFile(projectDir), port: Number(values.port) });
  const browser = await chromium.launch({ executablePath, args: QUIET_CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) } });
    await page.goto(gui.url);
    const tag = page.getByText(values.tag, { exact: true });
    await tag.waitFor({ timeout: 60_000 });
    await tag.click();
    await page.getByText('Loading images').waitFor({ state: 'hidden', timeout: GRID_TIMEOUT_MS });
    // Thumbnails arrive after the list; wait until every one on the page has decoded.
    const thumbnails = page.locator('img[src*="/images/sample/"]');
    await thumbnails.first().waitFor({ timeout: GRID_TIMEOUT_MS });
    const deadline = Date.now() + GRID_TIMEOUT_MS;
    const decoded = () =>
      thumbnails.evaluateAll((all) =>
        all.every((i) => {
          const image = i as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth > 0;
        }),
      );
    while (!(await decoded())) {
      if (Date.now() > deadline) throw new Error(`thumbnails not loaded within ${GRID_TIMEOUT_MS / 1000} s`);
      await page.waitForTimeout(500);
    }
    // LightlyStudio offers a tour on the first visit; its dialog would cover the grid.
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    if (await dismiss.count()) await dismiss.click();
    await page.mouse.move(5, 5);
    await page.waitForTimeout(2000);
    await page.screenshot({ path: out });
    console.log(`${out}: ${values.width}x${values.height}, tag ${values.tag}`);
  } finally {
    await browser.close();
    await gui.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
