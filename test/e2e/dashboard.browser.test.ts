import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { createUser } from '../../src/modules/auth';
import { seedDemoData } from '../../src/modules/metrics/demo-data';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The screens a CX team opens every morning, in a real Chromium with the demo data: charts drawn by
 * charts.js under the strict CSP (canvas pixels, no console error), no sideways scrolling at 1366 and
 * 390 px, both languages; and without JavaScript the tables stand in for the charts.
 * Screenshots: test-results/screenshots/dashboard-*.png.
 */
describeInBrowser('overview and journey map in Chromium, with demo data', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await seedDemoData(t.db, { responses: 20_000, contacts: 500 });
    await createUser(t.db, { email: 'lan@example.com', password, role: 'viewer', locale: 'vi', name: 'Lan' });
    await createUser(t.db, { email: 'sam@example.com', password, role: 'viewer', locale: 'en', name: 'Sam' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function loggedIn(email: string, width: number, javaScriptEnabled = true): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled });
    const page = await context.newPage();
    const errors: string[] = [];
    // Script errors and CSP violations show as console errors; failed loads are checked by URL (the
    // browser's own favicon request is not the app's business).
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);
    return { page, errors };
  }

  /** Canvas pixels that are not transparent: a drawn chart has thousands. */
  const inkOf = (page: Page) => page.$$eval('canvas[data-chart]', (canvases) => canvases.map((c) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    return ink;
  }));

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    for (const width of [1366, 390]) {
      test(`${lang} at ${width} px: charts drawn, nothing wider than the screen`, async () => {
        const { page, errors } = await loggedIn(email, width);
        for (const [pathname, name, charts] of [['/overview', 'overview', 3], ['/journey-map', 'journey-map', 1]] as const) {
          await page.goto(`${server.url}${pathname}`);
          await page.waitForSelector('.chart-box.drawn canvas');
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          const ink = await inkOf(page);
          expect(ink).toHaveLength(charts);
          for (const pixels of ink) expect(pixels).toBeGreaterThan(500);
          // Drawn charts fold their tables; the tables are still there.
          expect(await page.locator('details.chart-table[open]').count()).toBe(0);
          expect(await page.locator('details.chart-table table').count()).toBe(charts);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `dashboard-${name}-${lang}-${width}.png`), fullPage: true });
        }
        const tiles = await page.goto(`${server.url}/overview`).then(() => page.locator('.tile .score').allTextContents());
        expect(tiles).toHaveLength(3);
        // Numbers follow the language: vi-VN writes decimals with a comma, en-US with a point.
        expect(tiles[1]).toMatch(lang === 'vi' ? /^\d+,\d\s?%$/ : /^\d+\.\d%$/);
        expect(errors).toEqual([]);
        await page.context().close();
      }, 60_000);
    }
  }

  test('without JavaScript the tables stand in for the charts, and the journey notes still open', async () => {
    const { page } = await loggedIn('sam@example.com', 1366, false);
    await page.goto(`${server.url}/overview`);
    expect(await page.locator('.chart-box').first().isVisible()).toBe(false);
    expect(await page.locator('details.chart-table[open] table').count()).toBe(3);
    expect(await page.locator('details.chart-table table').first().isVisible()).toBe(true);
    await page.goto(`${server.url}/journey-map`);
    const notes = page.locator('details.framework').first();
    await notes.locator('summary').click();
    expect(await notes.locator('dd').first().isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-journey-map-nojs-1366.png'), fullPage: true });
    await page.context().close();
  }, 60_000);
});
