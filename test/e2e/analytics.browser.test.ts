import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { defaultDriverScopes, rebuildAtRisk, refreshDrivers } from '../../src/modules/analytics';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * Key drivers, at-risk contacts and the journey map's badge in Chromium, on the demo data, in both
 * languages, on a desktop and a 360 px phone: the chart is drawn (its table folded, still there), delivery
 * is driver #1, the website says "no evidence", nothing overflows sideways on the phone. Screenshots:
 * test-results/screenshots/analytics-*.png.
 */
describeInBrowser('journey analytics in Chromium, with demo data', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await seedDemoData(t.db, { responses: 40_000, contacts: 1000 });
    for (const scope of await defaultDriverScopes(t.db)) await refreshDrivers(t.db, scope);
    await rebuildAtRisk(t.db);
    await makeUser(t, 'editor', { email: 'lan@example.com', password, locale: 'vi', name: 'Lan' });
    await makeUser(t, 'viewer', { email: 'sam@example.com', password, locale: 'en', name: 'Sam' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function loggedIn(email: string, width: number): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);
    return { page, errors };
  }

  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    for (const width of [1366, 360]) {
      test(`${lang}, ${width} px: drivers chart and table, at-risk list, the map's badge`, async () => {
        const { page, errors } = await loggedIn(email, width);
        await page.goto(`${server.url}/analytics/drivers`);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        await page.waitForSelector('.drivers-chart .chart-box.drawn canvas');
        expect(await page.locator('.drivers-chart details.chart-table').getAttribute('open')).toBeNull();
        expect(await page.locator('tr.driver').first().getAttribute('data-touchpoint')).toBe('delivery');
        expect(await page.locator('tr.driver[data-touchpoint="product-website"]').getAttribute('data-verdict')).toBe('no-evidence');
        expect(await page.textContent('.causation')).toContain(lang === 'vi' ? 'không phải quan hệ nhân quả' : 'Association, not causation');
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `analytics-drivers-${lang}-${width}.png`), fullPage: true });

        await page.goto(`${server.url}/analytics/at-risk`);
        expect(await page.locator('tr.at-risk-contact').count()).toBeGreaterThan(0);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `analytics-at-risk-${lang}-${width}.png`), fullPage: true });

        await page.goto(`${server.url}/journey-map`);
        expect(await page.locator('li.cell[data-touchpoint="delivery"] .driver-badge').textContent()).toBe(lang === 'vi' ? 'Yếu tố dẫn dắt #1' : 'Key driver #1');
        expect(await page.locator('li.cell[data-touchpoint="product-website"] .driver-badge').count()).toBe(0);
        if (width === 1366) await page.screenshot({ path: path.join(SCREENSHOT_DIR, `analytics-journey-map-${lang}.png`), fullPage: true });
        expect(errors).toEqual([]);
      }, 120_000); // four pages and three full-page screenshots on a shared 2-core machine; speed lives in the bench
    }
  }

  test('the drivers page works without script: the table is open and complete', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', 'sam@example.com');
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);
    await page.goto(`${server.url}/analytics/drivers`);
    expect(await page.locator('.drivers-chart details.chart-table').getAttribute('open')).not.toBeNull();
    expect(await page.locator('tr.driver[data-touchpoint="delivery"]').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'analytics-drivers-noscript-360.png'), fullPage: true });
    await context.close();
  }, 60_000);
});
