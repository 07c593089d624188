import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * A chain in a real browser, without script, on a desktop and on phones: 200 stores in the decision stage
 * (one CSAT survey each, 40 answers this month), 60 branches in retention. The journey map, a stage's full
 * list with its search and pages, the management list and the survey form's picker.
 */
describeInBrowser('a journey with hundreds of touchpoints in Chromium, without script', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  const password = 'a long browser password';

  beforeAll(async () => {
    t = await startTestApp();
    await t.db.query(
      `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
       SELECT 'store-' || g, (SELECT id FROM stages WHERE key = 'decision'), 'Cửa hàng Quận ' || (1 + g % 12) || ' số ' || g, 'District ' || (1 + g % 12) || ' store ' || g, 'store', g
       FROM generate_series(1, 200) g`);
    await t.db.query(
      `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
       SELECT 'branch-' || g, (SELECT id FROM stages WHERE key = 'retention'), 'Chi nhánh ' || g, 'Branch ' || g, 'office', g FROM generate_series(1, 60) g`);
    await t.db.query(`INSERT INTO surveys (kind, title, touchpoint_id) SELECT 'csat', 'CSAT ' || key, id FROM touchpoints WHERE key LIKE 'store-%'`);
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, created_at)
       SELECT s.id, CASE WHEN a <= 10 + (tp.position * 7) % 30 THEN 5 ELSE 2 END, 'link', 'vi', now() - (a % 20) * interval '1 day'
       FROM surveys s JOIN touchpoints tp ON tp.id = s.touchpoint_id CROSS JOIN generate_series(1, 40) a`);
    await t.db.query(`INSERT INTO kpi_targets (metric, target) VALUES ('csat', 70)`);
    await makeUser(t, 'editor', { email: 'lan@example.com', password, locale: 'vi', name: 'Lan' });
    await makeUser(t, 'editor', { email: 'sam@example.com', password, locale: 'en', name: 'Sam' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function loggedIn(email: string, width: number): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);
    return { page, errors };
  }

  const fitsScreen = async (page: Page, width: number) => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  for (const [email, lang] of [['lan@example.com', 'vi'], ['sam@example.com', 'en']] as const) {
    for (const width of [1366, 390, 360]) {
      test(`${lang} at ${width} px: the map, a stage's list with search and pages, the management list, the picker`, async () => {
        const { page, errors } = await loggedIn(email, width);
        const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `breadth-${name}-${lang}-${width}.png`), fullPage: true });

        await page.goto(`${server.url}/journey-map`);
        const decision = page.locator('[data-stage="decision"]');
        expect(await decision.locator('[data-list="attention"] .cell').count()).toBe(5);
        expect(await decision.locator('[data-list="best"] .cell').count()).toBe(3);
        await fitsScreen(page, width);
        await shot('journey-map');

        await decision.locator('.show-all a').click();
        await page.waitForURL(/\/journey-map\/stages\/decision/);
        expect(await page.locator('.stage-all .cell').count()).toBe(25);
        await fitsScreen(page, width);
        await shot('stage-list');
        await page.fill('input[name=q]', lang === 'vi' ? 'Quận 1' : 'District 1');
        await Promise.all([page.waitForURL(/q=/), page.click('.stage-search button[type=submit]')]);
        const found = await page.locator('.stage-all .cell .cell-name').allTextContents();
        expect(found.length).toBeGreaterThan(0);
        for (const name of found) expect(name).toContain(lang === 'vi' ? 'Quận 1' : 'District 1');
        await Promise.all([page.waitForURL(/page=2/), page.click('a[rel=next]')]);
        expect(await page.inputValue('input[name=q]')).toBe(lang === 'vi' ? 'Quận 1' : 'District 1');
        await shot('stage-list-search-p2');

        await page.goto(`${server.url}/manage/journey`);
        await fitsScreen(page, width);
        await page.fill('#tp-search', 'branch-5');
        await Promise.all([page.waitForURL(/q=branch-5/), page.click('.touchpoint-search button[type=submit]')]);
        expect(await page.locator('table.touchpoints tbody tr').count()).toBe(11);
        await shot('manage-journey-search');

        await page.goto(`${server.url}/manage/surveys/new?kind=csat`);
        expect(await page.locator('#attach option[value^="touchpoint:"]').count()).toBe(50);
        await page.fill('#title', 'CSAT chi nhánh');
        await page.fill('#attach_q', 'Branch 6');
        await page.click('button[name=_find]');
        await page.waitForLoadState();
        expect(await page.inputValue('#title')).toBe('CSAT chi nhánh');
        expect(await page.locator('#attach option[value^="touchpoint:"]').allTextContents()).toEqual(
          lang === 'vi' ? ['Chi nhánh 6', 'Chi nhánh 60'] : ['Branch 6', 'Branch 60']);
        await fitsScreen(page, width);
        await shot('survey-picker');
        expect(errors).toEqual([]);
        await page.context().close();
      }, 90_000);
    }
  }
});
