// Signs in to the local Label Studio (`pomona label-studio start`) in headless Chromium (Debian's `chromium`,
// driven by playwright-core) and saves a screenshot of one task's labelling view: how
// docs/label-studio-prelabels.png is made, showing pomona's pre-labels on a batch image.
//   npx tsx scripts/label-studio-screenshot.ts --project ID --task ID OUT.png [--state-dir DIR]
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { defaultLabelStudioStateDir, runningLabelStudio } from '../cli/label-studio/label-studio-server';
import { chromiumPath, QUIET_CHROMIUM_FLAGS } from './chromium';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    project: { type: 'string' },
    task: { type: 'string' },
    'state-dir': { type: 'string', default: defaultLabelStudioStateDir() },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '900' },
  },
});
const [out] = positionals;
if (!out || !values.project || !values.task) {
  console.error('usage: label-studio-screenshot --project ID --task ID OUT.png [--state-dir DIR]');
  process.exit(2);
}
const executablePath = chromiumPath();

async function main(): Promise<void> {
  const server = await runningLabelStudio({ stateDir: values['state-dir'] });
  if (!server) throw new Error(`no Label Studio running from ${values['state-dir']}: npx pomona label-studio start`);
  const browser = await chromium.launch({ executablePath, args: QUIET_CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) } });
    await page.goto(`${server.url}/user/login/`);
    await page.fill('input[name="email"]', server.user);
    await page.fill('input[name="password"]', fs.readFileSync(server.passwordFile, 'utf8').trim());
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/user/login')),
      page.click('button[type="submit"]'),
    ]);
    await page.goto(`${server.url}/projects/${values.project}/data?task=${values.task}`);
    // The image and its regions are drawn on a canvas once the task has loaded.
    await page.waitForSelector('canvas', { timeout: 60_000 });
    // Show pomona's prediction (its pre-labels) rather than a person's annotation, when the task has both.
    const prediction = page.getByText(/^pomona-round-\d+$/).first();
    if (await prediction.count()) await prediction.click();
    // Away from the tab, whose tooltip would cover the image.
    await page.mouse.move(600, 800);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: out });
    console.log(`${out}: ${values.width}x${values.height}`);
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
