import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { rebuildCommentThemes, setCommentLogTrigger } from '../../src/modules/themes';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The Themes page and the touchpoint pages' themes in Chromium, on the demo data, in both languages:
 * the hotline's top complaint is its waiting time, the stores' top praise their friendly staff; an
 * editor turns a theme into a topic in one click. Screenshots: test-results/screenshots/themes-*.png.
 */
describeInBrowser('comment themes in Chromium, with demo data', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await setCommentLogTrigger(t.db, false);
    await seedDemoData(t.db, { responses: 20_000, contacts: 500 });
    await rebuildCommentThemes(t.db);
    await makeUser(t, 'editor', { email: 'lan@example.com', password, locale: 'vi', name: 'Lan' });
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

  async function loggedIn(email: string, width = 1366): Promise<{ page: Page; errors: string[] }> {
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

  const firstPhrase = (page: Page, selector: string) => page.locator(`${selector} strong`).first().textContent();

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    test(`${lang}: the hotline's waiting time and the stores' friendly staff come first, on the Themes page and the touchpoint pages`, async () => {
      const { page, errors } = await loggedIn(email);
      await page.goto(`${server.url}/themes?touchpoint=support-hotline&group=detractor&period=quarter&lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      expect(await firstPhrase(page, 'table.themes tr.theme')).toBe(lang === 'vi' ? 'chờ lâu' : 'waited');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `themes-hotline-${lang}.png`), fullPage: true });
      await page.goto(`${server.url}/themes?touchpoint=store-purchase&group=promoter&period=quarter&lang=${lang}`);
      expect(await firstPhrase(page, 'table.themes tr.theme')).toBe(lang === 'vi' ? 'nhân viên thân thiện' : 'friendly staff');
      await page.goto(`${server.url}/themes?period=90d`);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `themes-journey-${lang}.png`), fullPage: true });
      await page.goto(`${server.url}/touchpoints/support-hotline?period=quarter`);
      expect(await firstPhrase(page, '.themes-detractor li.theme')).toBe('chờ lâu');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `themes-touchpoint-${lang}.png`), fullPage: true });
      await page.goto(`${server.url}/touchpoints/store-purchase?period=quarter`);
      expect(await firstPhrase(page, '.themes-promoter li.theme')).toBe('nhân viên thân thiện');
      expect(errors).toEqual([]);
    }, 90_000); // six pages and three full-page screenshots on a shared 2-core machine; speed lives in the bench
  }

  test('an editor turns a theme into a topic in one click', async () => {
    const { page, errors } = await loggedIn('lan@example.com');
    await page.goto(`${server.url}/themes?touchpoint=support-hotline&group=detractor&period=quarter&lang=vi`);
    await Promise.all([page.waitForURL(/\/themes/), page.locator('table.themes tr.theme').first().locator('button[type=submit]').click()]);
    expect(await page.locator('table.topics tr.topic').first().textContent()).toContain('chờ lâu');
    const [topic] = await t.db.query(`SELECT id, keywords FROM topics`);
    expect(topic.keywords).toEqual(['chờ lâu']);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'themes-topic-created-vi.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
