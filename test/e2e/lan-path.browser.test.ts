import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeUser, TEST_PASSWORD } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, SCREENSHOT_DIR } from '../helpers/browser';
import { freePortForTests } from '../helpers/ports';
import { startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { seedDemoData } from '../../src/modules/metrics/demo-data';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * Lan's path (issue 15), in each language, as a CX lead walks it: overview → journey map → touchpoint →
 * survey → responses filtered by a hidden field → a follow-up assigned, noted and closed in one save →
 * a new touchpoint and survey → a send to a segment → the mailbox → the answer on a 360 px phone → the
 * answer in the responses list. Every page she sees is also opened at 390 and 360 px. The walk fails on
 * any 4xx/5xx response (favicon included), any console error, and any page wider than a 360 px screen.
 * Screenshots: test-results/screenshots/lan-<lang>-<step>-<width>.png.
 */
describeInBrowser('Lan\'s path through the dashboard, in Vietnamese and in English', () => {
  let t: TestApp;
  let jobs: Jobs;
  let server: http.Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePortForTests();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ BASE_URL: base });
    await seedDemoData(t.db, { responses: 6000, contacts: 300 });
    // A sixth stage with a touchpoint and a survey: six columns must fit a 1440 px screen.
    await t.db.query(`INSERT INTO stages (key, name_vi, name_en, position, framework) VALUES ('repurchase', 'Mua lại', 'Repurchase', 6, '{}')`);
    await t.db.query(`INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
      SELECT 'reorder', id, 'Đặt hàng lại', 'Reorder', 'website', 1 FROM stages WHERE key = 'repurchase'`);
    server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    jobs = await startJobs({ ...t, logger: createLogger('silent') }, { delivery: { pollIntervalMs: 100 } });
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await t?.close();
  });

  /** A context whose pages record every failed response and console error into `problems`. */
  async function watched(width: number, problems: string[], opts: { phone?: boolean } = {}): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width, height: opts.phone ? 800 : 900 },
      ...(opts.phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
    });
    context.on('page', (page) => watch(page, problems));
    return context;
  }

  function watch(page: Page, problems: string[]) {
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`);
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error on ${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  }

  async function logIn(page: Page, email: string) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', TEST_PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  }

  /** No sideways scrolling: the document is no wider than the viewport. */
  async function expectNoSideScroll(page: Page, width: number) {
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect([page.url(), wide]).toEqual([page.url(), Math.min(wide, width)]);
  }

  /** Count axes (the distribution) carry whole-number ticks only. */
  async function expectIntegerTicks(page: Page) {
    const ticks = await page.evaluate(() => {
      const w = window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): { config: { type: string }; scales: { y: { ticks: Array<{ value: number }> } } } | undefined } };
      return [...document.querySelectorAll('canvas')].flatMap((c) => {
        const chart = w.Chart?.getChart(c as HTMLCanvasElement);
        return chart && chart.config.type === 'bar' ? chart.scales.y.ticks.map((x) => x.value) : [];
      });
    });
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.filter((v) => !Number.isInteger(v))).toEqual([]);
  }

  for (const lang of ['vi', 'en'] as const) {
    test(`${lang}: from the overview to a new answer, at 1440, 390 and 360 px`, async () => {
      const problems: string[] = [];
      const email = `lan-${lang}@example.com`;
      await makeUser(t, 'admin', { email, locale: lang, name: lang === 'vi' ? 'Lan Nguyễn' : 'Lan Nguyen' });
      const desk = await watched(1440, problems);
      const page = await desk.newPage();
      await logIn(page, email);
      const seen: Array<{ step: string; url: string }> = [];
      const shot = async (step: string) => {
        seen.push({ step, url: page.url() });
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `lan-${lang}-${step}-1440.png`), fullPage: true });
      };

      // Overview → journey map → a touchpoint → one of its surveys.
      await page.goto(`${base}/overview`);
      await shot('overview');
      await Promise.all([page.waitForURL(/\/journey-map/), page.click('nav.sidebar a[href="/journey-map"]')]);
      expect(await page.locator('.journey > .stage').count()).toBe(6);
      expect(await page.locator('.journey').evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
      await shot('journey-map');
      await Promise.all([page.waitForURL(/\/touchpoints\/store-purchase/), page.click('a[href^="/touchpoints/store-purchase"]')]);
      await shot('touchpoint');
      await Promise.all([page.waitForURL(/\/surveys\/[0-9a-f-]{36}/), page.click('a[href^="/surveys/"] >> nth=0')]);
      await page.waitForSelector('canvas');
      await expectIntegerTicks(page);
      await shot('survey');

      // Responses of the last 90 days from store q1 (a hidden field of the QR posters' link).
      await page.goto(`${base}/responses`);
      await page.selectOption('#f-period', '90d');
      await page.fill('#f-field', 'store=q1');
      await Promise.all([page.waitForURL(/field=store%3Dq1/), page.click('form.filters button[type=submit]')]);
      expect(await page.locator('.result-count').textContent()).toMatch(lang === 'vi' ? /^\d[\d.]* câu trả lời$/ : /^\d[\d,]* responses?$/);
      const hiddenChips = await page.locator('.hidden-fields a').allTextContents();
      expect(hiddenChips.length).toBeGreaterThan(0);
      expect(hiddenChips.filter((x) => x.startsWith('store=')).every((x) => x === 'store=q1')).toBe(true);
      await shot('responses-store-q1');

      // A follow-up: assigned to herself, a note, closed — one save; the timeline says who did what.
      await page.goto(`${base}/follow-ups`);
      await shot('follow-ups');
      await Promise.all([page.waitForURL(/\/follow-ups\/\d+$/), page.click('.queue-link >> nth=0')]);
      const followUp = page.url();
      await page.selectOption('#fu-status', 'closed');
      await page.selectOption('#fu-assign', { label: lang === 'vi' ? 'Lan Nguyễn' : 'Lan Nguyen' });
      await page.fill('#fu-note', lang === 'vi' ? 'Đã gọi lại, hoàn tiền.' : 'Called back, refunded.');
      await Promise.all([page.waitForResponse((r) => r.url() === followUp && r.request().method() === 'POST'), page.click('.fu-form button[type=submit]')]);
      await page.waitForSelector('.alert-ok');
      expect(page.url()).toBe(followUp);
      const timeline = await page.locator('.timeline').textContent();
      expect(timeline).toContain(lang === 'vi' ? 'Giao cho Lan Nguyễn' : 'Assigned to Lan Nguyen');
      expect(timeline).toContain(lang === 'vi' ? 'Chuyển trạng thái sang Đã đóng' : 'Status changed to Closed');
      expect(timeline).toContain(lang === 'vi' ? 'Đã gọi lại, hoàn tiền.' : 'Called back, refunded.');
      await shot('follow-up');

      // A new touchpoint (its key made from the name) and a CSAT survey on it.
      const tpName = lang === 'vi' ? 'Kiốt Quận Ba' : 'Kiosk District Three';
      await page.goto(`${base}/manage/journey/touchpoints/new`);
      await page.fill('#name_vi', lang === 'vi' ? tpName : 'Kiốt Quận 3 (en)');
      await page.fill('#name_en', lang === 'en' ? tpName : 'Kiosk District 3 (vi)');
      await page.selectOption('#channel', 'store');
      await page.selectOption('#stage_id', { index: 1 });
      await shot('touchpoint-new');
      await Promise.all([page.waitForURL(/\/manage\/journey(#.*)?$/), page.click('main button.primary')]);
      const key = lang === 'vi' ? 'kiosk-district-3-vi' : 'kiosk-district-three';
      expect(await t.db.query(`SELECT key FROM touchpoints WHERE key = $1`, [key])).toHaveLength(1);
      await page.goto(`${base}/manage/surveys/new`);
      await Promise.all([page.waitForURL(/kind=csat/), page.click('.kind-switch a[href$="kind=csat"]')]);
      await page.fill('#title', `Kiosk CSAT ${lang}`);
      await page.selectOption('#attach', { label: tpName });
      await shot('survey-new');
      await Promise.all([page.waitForURL(/\/manage\/surveys\/[0-9a-f-]{36}$/), page.click('main button.primary')]);
      const surveyId = /\/manage\/surveys\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
      await shot('survey-admin');

      // Send to a segment: two contacts of her own program.
      await request(t.app).post('/api/v1/contacts').set('Authorization', `Bearer ${t.apiKey}`).send([
        { email: `an.${lang}@example.com`, name: 'An', locale: lang, attributes: { program: `kiosk-${lang}` } },
        { email: `bao.${lang}@example.com`, name: 'Bảo', locale: lang, attributes: { program: `kiosk-${lang}` } },
      ]).expect(200);
      await page.goto(`${base}/manage/surveys/${surveyId}/send`);
      await page.check('input[name=audience][value=segment]');
      await page.fill('#attribute', 'program');
      await page.fill('#value', `kiosk-${lang}`);
      await Promise.all([page.waitForURL(/preview=1/), page.click('button[name=preview]')]);
      expect(await page.locator('.inv-eligible dd').textContent()).toBe('2');
      await shot('send-preview');
      await Promise.all([page.waitForURL(/\/send\/[0-9a-f-]{36}$/), page.click('form[method=post] button.primary')]);
      await page.waitForSelector(`text=${lang === 'vi' ? 'Đã gửi xong.' : 'Sending is complete.'}`, { timeout: 30_000 });
      expect(await page.locator('.inv-count-sent dd').textContent()).toBe('2');
      await shot('send-progress');

      // The mailbox: the invitation to An, with the scale's buttons.
      await page.goto(`${base}/manage/mailbox`);
      await Promise.all([page.waitForURL(/\/manage\/mailbox\/\d+$/), page.click(`tr:has-text("an.${lang}@example.com") a`)]);
      await shot('mailbox-message');
      const frame = page.frameLocator('iframe.inv-mail-frame');
      const answerUrl = await frame.locator('a', { hasText: /^5$/ }).first().getAttribute('href');
      expect(answerUrl).toMatch(/\/i\/[A-Za-z0-9_-]+\?score=5$/);
      const mailHtml = page.url().replace(/\/?$/, '/html');

      // An answers on a 360 px phone.
      const phone = await watched(360, problems, { phone: true });
      const survey = await phone.newPage();
      await survey.goto(answerUrl as string);
      await expectNoSideScroll(survey, 360);
      await survey.screenshot({ path: path.join(SCREENSHOT_DIR, `lan-${lang}-respondent-360.png`), fullPage: true });
      expect(await survey.locator('input[name=score]:checked').getAttribute('value')).toBe('5');
      await survey.fill('#comment', lang === 'vi' ? 'Nhân viên kiốt rất nhiệt tình' : 'Very helpful kiosk staff');
      await Promise.all([survey.waitForURL(/\/thanks/), survey.click('button[type=submit]')]);
      await survey.screenshot({ path: path.join(SCREENSHOT_DIR, `lan-${lang}-thanks-360.png`), fullPage: true });
      // A respondent who mistypes a link sees the brand, not a bare 404 (this 404 is expected: not a problem).
      const before = problems.length;
      await survey.goto(`${base}/s/00000000-0000-4000-8000-000000000000`);
      await expectNoSideScroll(survey, 360);
      await survey.screenshot({ path: path.join(SCREENSHOT_DIR, `lan-${lang}-respondent-404-360.png`), fullPage: true });
      const expected404 = problems.splice(before);
      expect(expected404[0]).toBe(`404 ${base}/s/00000000-0000-4000-8000-000000000000`);
      expect(expected404.slice(1).every((p) => p.startsWith(`console error on ${base}/s/00000000-0000-4000-8000-000000000000: Failed to load resource`))).toBe(true);
      await phone.close();

      // The answer shows up in the list, with a link to it.
      await page.goto(`${base}/responses?survey=${surveyId}`);
      const rows = page.locator('table.responses tbody tr');
      await expect(rows.count()).resolves.toBe(1);
      expect(await rows.first().textContent()).toContain(lang === 'vi' ? 'Nhân viên kiốt rất nhiệt tình' : 'Very helpful kiosk staff');
      await shot('responses-new-answer');
      await Promise.all([page.waitForURL(/\/responses\/\d+$/), page.click('table.responses a.answer-link')]);
      await shot('answer');

      // Every page of the walk again at 390 and 360 px: nothing wider than the screen.
      for (const width of [390, 360]) {
        const small = await watched(width, problems, { phone: true });
        const p = await small.newPage();
        await logIn(p, email);
        for (const { step, url } of [...seen, { step: 'email', url: mailHtml }]) {
          await p.goto(url);
          await expectNoSideScroll(p, width);
          await p.screenshot({ path: path.join(SCREENSHOT_DIR, `lan-${lang}-${step}-${width}.png`), fullPage: true });
        }
        await small.close();
      }
      await desk.close();
      expect(problems).toEqual([]);
    }, 240_000);
  }
});
