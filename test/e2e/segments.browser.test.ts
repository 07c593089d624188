import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { foldSegmentRollups } from '../../src/modules/metrics';
import { saveSegmentDimensions } from '../../src/modules/segments';
import { setCommentLogTrigger } from '../../src/modules/themes';

const describeInBrowser = browserAvailable() ? describe : describe.skip;
const PERSONAS = ['Gia đình trẻ', 'Doanh nghiệp nhỏ', 'Sinh viên', 'Người đi làm'];

/**
 * The comparison page, the dimensions in Settings and a contact's timeline in Chromium, on demo data,
 * in both languages, on a desktop and a 360 px phone: the table fits (it scrolls inside its frame, the page
 * does not), the charts draw without errors. Screenshots: test-results/screenshots/segments-*.png.
 */
describeInBrowser('segments and the contact timeline in Chromium', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let contactId: string;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await setCommentLogTrigger(t.db, false);
    await seedDemoData(t.db, { responses: 20_000, contacts: 500 });
    await t.db.query(`UPDATE contacts SET attributes = attributes || jsonb_build_object('persona', ($1::text[])[1 + abs(hashtext(id::text)) % 4]) WHERE NOT attributes ? 'persona'`, [PERSONAS]);
    await saveSegmentDimensions(t.db, { attributes: ['persona'], hidden: [] });
    await foldSegmentRollups(t.db);
    [{ id: contactId }] = await t.db.query(`SELECT contact_id AS id FROM responses WHERE contact_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    await makeUser(t, 'admin', { email: 'lan@example.com', password, locale: 'vi', name: 'Lan' });
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

  const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    for (const width of [1366, 360]) {
      test(`${lang}, ${width} px: the comparison page, a contact's journey${lang === 'vi' ? ' and the dimensions form' : ''}`, async () => {
        const { page, errors } = await loggedIn(email, width);
        // From the navigation, as a user gets there.
        if (width > 800) await Promise.all([page.waitForURL(/\/segments/), page.click('nav.sidebar a[href="/segments"]')]);
        else await page.goto(`${server.url}/segments`);
        await page.goto(`${server.url}/segments?period=90d`);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        const values = await page.locator('table.segment-table th.seg-value').allTextContents();
        expect([...values].sort()).toEqual([...PERSONAS].sort());
        expect(await page.locator('canvas[data-chart]').count()).toBe(3);
        expect(await fits(page)).toBe(true);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `segments-compare-${lang}-${width}.png`), fullPage: true });
        await page.goto(`${server.url}/manage/contacts/${contactId}`);
        expect(await page.locator('#timeline tbody tr').count()).toBeGreaterThan(0);
        expect(await fits(page)).toBe(true);
        await page.locator('#timeline').screenshot({ path: path.join(SCREENSHOT_DIR, `segments-timeline-${lang}-${width}.png`) });
        if (lang === 'vi') {
          await page.goto(`${server.url}/manage/settings/dimensions`);
          expect(await page.locator('input[name=attributes][value=persona]').isChecked()).toBe(true);
          expect(await fits(page)).toBe(true);
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `segments-dimensions-${lang}-${width}.png`), fullPage: true });
        }
        expect(errors).toEqual([]);
      }, 120_000); // several pages and full-page screenshots on a shared 2-core machine; speed lives in the bench
    }
  }
});
