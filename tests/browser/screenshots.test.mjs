// Screenshots of the page at desktop and phone sizes, light and dark, kept as test artifacts
// in test-results/screenshots/; and the layout must not overflow sideways down to 360 px.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildSite, launchBrowser, screenshotDir, serveSite, settled } from './harness.mjs';

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

let site;
let server;
let browser;

before(async () => {
  site = buildSite();
  server = await serveSite(site);
  browser = await launchBrowser();
  mkdirSync(screenshotDir, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

for (const size of SIZES) {
  for (const scheme of ['light', 'dark']) {
    test(`${size.name} ${scheme}`, async () => {
      const context = await browser.newContext({
        viewport: { width: size.width, height: size.height }, colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.goto(server.url);
      await settled(page);
      await page.waitForSelector('#result:not([hidden])');
      await page.screenshot({ path: join(screenshotDir, `${size.name}-${scheme}.png`), fullPage: true });
      await context.close();
    });
  }
}

test('nothing overflows sideways on a 360 px wide phone', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await settled(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await context.close();
});
