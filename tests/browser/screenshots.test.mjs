// Screenshots of the page at desktop and phone sizes, light and dark, kept as test artifacts
// in test-results/screenshots/: as it opens, and with the planner and the log check open
// (a real log pasted and calibrated to). The layout must not overflow sideways down to 360 px.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  afterChange,
  afterPanelRun,
  fixtureRecord,
  screenshotDir,
  servedSite,
  setField,
  settled,
} from './harness.mjs';

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

const LOG = fixtureRecord('llava16-mistral-7b-79.19gib').raw_lines.join('\n');

// Picks the log's model, opens both panels, pastes the log and calibrates to it.
async function openTools(page) {
  await setField(page, '#model', 'mistralai/Mistral-7B-v0.1');
  await afterPanelRun(page, 'plan-panel', () => page.click('#plan-panel > summary'));
  await page.click('#log-panel > summary');
  await afterPanelRun(page, 'log-panel', () => page.fill('#log-text', LOG));
  await afterChange(page, () => page.click('#calibrate'));
  await page.locator('#plan-panel').scrollIntoViewIfNeeded();
  await page.waitForSelector('#plan-panel[data-state="ready"]');
  await page.evaluate(() => window.scrollTo(0, 0));
}

const served = servedSite();
before(() => {
  mkdirSync(screenshotDir, { recursive: true });
});

for (const size of SIZES) {
  for (const scheme of ['light', 'dark']) {
    test(`${size.name} ${scheme}`, async () => {
      const context = await served.browser.newContext({
        viewport: { width: size.width, height: size.height }, colorScheme: scheme,
      });
      const page = await context.newPage();
      await page.goto(served.server.url);
      await settled(page);
      await page.waitForSelector('#result:not([hidden])');
      await page.screenshot({ path: join(screenshotDir, `${size.name}-${scheme}.png`), fullPage: true });
      await openTools(page);
      await page.screenshot({ path: join(screenshotDir, `${size.name}-${scheme}-tools.png`), fullPage: true });
      await context.close();
    });
  }
}

test('nothing overflows sideways on a 360 px wide phone', async () => {
  const context = await served.browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(served.server.url);
  await settled(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  await openTools(page);
  const toolsOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(toolsOverflow <= 0, `with the panels open the page is ${toolsOverflow}px wider than the screen`);
  // Tables may scroll inside their box, but the log comparison must fit a phone as it is.
  const table = await page.$eval('#log-table', (t) => t.parentElement.scrollWidth - t.parentElement.clientWidth);
  assert.ok(table <= 0, `the log comparison is ${table}px wider than its panel`);
  await context.close();
});
