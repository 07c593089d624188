import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { listTopics, rebuildCommentThemes, seedDemoTopics, setCommentLogTrigger } from '../../src/modules/themes';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * Team topics where the team reads answers, in Chromium on the demo data, in both languages, on a desktop
 * and a 360 px phone: the responses filter (a plain form, used here with script off), the touchpoint
 * page's topics, the journey map's pain point per cell (the demo's topics, as seed:demo makes them). Screenshots: test-results/screenshots/topics-*.png.
 */
describeInBrowser('team topics in Chromium, with demo data', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let waiting: number;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await setCommentLogTrigger(t.db, false);
    await seedDemoData(t.db, { responses: 20_000, contacts: 500 });
    // The demo's topics, as seed:demo makes them (twice: the second time adds nothing).
    expect(await seedDemoTopics(t.db)).toBe(4);
    expect(await seedDemoTopics(t.db)).toBe(0);
    waiting = (await listTopics(t.db)).find((x) => x.name.en === 'Waiting time')!.id;
    await rebuildCommentThemes(t.db);
    await makeUser(t, 'viewer', { email: 'lan@example.com', password, locale: 'vi', name: 'Lan' });
    await makeUser(t, 'viewer', { email: 'sam@example.com', password, locale: 'en', name: 'Sam' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function loggedIn(email: string, width: number, javaScriptEnabled = true): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, javaScriptEnabled });
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

  /** Nothing wider than the screen: the page never scrolls sideways (tables scroll inside their own box). */
  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `topics-${name}.png`), fullPage: true });

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    const name = { vi: 'Thời gian chờ', en: 'Waiting time' }[lang];

    test(`${lang}: the responses filter picks a topic with script off, and the page lists only answers that mention it`, async () => {
      const { page, errors } = await loggedIn(email, 1366, false);
      await page.goto(`${server.url}/responses?period=90d`);
      await page.selectOption('#f-topic', String(waiting));
      await Promise.all([page.waitForURL(/topic=/), page.click('form.filters button[type=submit]')]);
      expect(new URL(page.url()).searchParams.get('topic')).toBe(String(waiting));
      const comments = await page.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
      expect(comments.length).toBeGreaterThan(0);
      const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
      for (const c of comments) expect(/cho lau|waited|on hold/.test(fold(c))).toBe(true);
      await shot(page, `responses-${lang}`);
      expect(errors).toEqual([]);
      // A topic that no longer exists: the filter form again, with the reason in the reader's language.
      const gone = await page.goto(`${server.url}/responses?period=90d&topic=987654`);
      expect(gone?.status()).toBe(400);
      expect(await page.locator('.flash.error').textContent()).toBe({ vi: 'Không tìm thấy chủ đề.', en: 'Topic not found.' }[lang]);
      await shot(page, `responses-unknown-${lang}`);
    }, 90_000);

    test(`${lang}: the touchpoint page's topics and the journey map's pain points, desktop and 360 px`, async () => {
      for (const width of [1366, 360]) {
        const { page, errors } = await loggedIn(email, width);
        await page.goto(`${server.url}/touchpoints/support-hotline?period=90d`);
        expect(await page.locator('.themes-topics li.topic strong').first().textContent()).toBe(name);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await shot(page, `touchpoint-${lang}-${width}`);
        await page.locator('.themes-topics').screenshot({ path: path.join(SCREENSHOT_DIR, `topics-touchpoint-section-${lang}-${width}.png`) });
        await page.goto(`${server.url}/journey-map?period=90d`);
        expect(await page.locator('[data-touchpoint="support-hotline"] .pain-point strong').textContent()).toBe(name);
        expect(await page.locator('[data-touchpoint="delivery"] .pain-point strong').textContent()).toBe({ vi: 'Giao hàng trễ', en: 'Late delivery' }[lang]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await shot(page, `journey-map-${lang}-${width}`);
        await page.locator('section.stage[data-stage="retention"]').screenshot({ path: path.join(SCREENSHOT_DIR, `topics-journey-stage-${lang}-${width}.png`) });
        await page.goto(`${server.url}/responses?period=90d&topic=${waiting}`);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (width === 360) await shot(page, `responses-${lang}-360`);
        await page.locator('form.filters').screenshot({ path: path.join(SCREENSHOT_DIR, `topics-responses-filters-${lang}-${width}.png`) });
        expect(errors).toEqual([]);
        await page.context().close();
      }
    }, 120_000);
  }
});
