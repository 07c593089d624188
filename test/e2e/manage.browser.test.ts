import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

const PASSWORD = 'browser test password';

describeInBrowser('the management pages in Chromium', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    await makeUser(t, 'admin', { email: 'admin-en@example.com', password: PASSWORD, locale: 'en', name: 'Mai Anh' });
    await makeUser(t, 'admin', { email: 'admin-vi@example.com', password: PASSWORD, locale: 'vi', name: 'Trần Văn Bình' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  async function logIn(context: BrowserContext, email: string, next: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('form[action="/login"] button[type=submit]')]);
    // POST /login can redirect before its session is stored, so the browser may land on /overview
    // instead of `next` (reported to the dashboard shell's owner); the session itself is valid.
    if (new URL(page.url()).pathname !== next) await page.goto(`${server.url}${next}`);
    expect(new URL(page.url()).pathname).toBe(next);
    return page;
  }

  /** Submits the page's main form (not the language or logout forms of the layout) and waits for the next page. */
  async function submitMain(page: Page): Promise<void> {
    await Promise.all([page.waitForLoadState('load'), page.locator('main form button[type=submit].primary').click()]);
  }

  test('log in, create a touchpoint and a survey of each kind, switch language, and open the QR code', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await logIn(context, 'admin-en@example.com', '/manage/journey');
    expect(await page.locator('h1').textContent()).toBe('Customer journey');

    // A touchpoint through the "Add a touchpoint" link of the Decision stage.
    const decision = page.locator('li.stage', { hasText: 'Decision' });
    await Promise.all([page.waitForURL(/touchpoints\/new/), decision.getByRole('link', { name: 'Add a touchpoint' }).click()]);
    expect(await page.locator('#stage_id option:checked').textContent()).toBe('Decision');
    await page.fill('#name_vi', 'Cửa hàng Quận 1');
    await page.fill('#name_en', 'District 1 store');
    await page.fill('#key', 'store-d1');
    await page.selectOption('#channel', 'store');
    await page.selectOption('#owner_user_id', { label: 'Mai Anh (admin-en@example.com)' });
    await Promise.all([page.waitForURL(/\/manage\/journey#touchpoint-/), page.click('main button.primary')]);
    await expect(page.locator('.alert-ok').textContent()).resolves.toContain('Touchpoint “District 1 store” created.');
    const row = page.locator('tr', { hasText: 'District 1 store' });
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('Store');

    // One survey of each kind, attached to the new touchpoint; the wording stays the prefilled default.
    const expected = {
      nps: 'How likely are you to recommend Touchpoint to a friend or colleague?',
      csat: 'How satisfied were you with District 1 store?',
      ces: 'Touchpoint made it easy for me to handle my issue.',
    };
    const ids: Record<string, string> = {};
    for (const kind of ['nps', 'csat', 'ces'] as const) {
      await page.goto(`${server.url}/manage/surveys`);
      await Promise.all([page.waitForURL(/\/manage\/surveys\/new/), page.getByRole('link', { name: 'New survey' }).click()]);
      // NPS is the kind a new survey starts with (marked current, not a link); the others are chosen first.
      if (kind !== 'nps') await Promise.all([page.waitForURL(new RegExp(`kind=${kind}`)), page.locator(`.kind-switch a[href$="kind=${kind}"]`).click()]);
      await page.fill('#title', `District 1 ${kind.toUpperCase()}`);
      await page.selectOption('#attach', { label: 'District 1 store' });
      await Promise.all([page.waitForURL(/\/manage\/surveys\/[0-9a-f-]{36}$/), page.click('main button.primary')]);
      expect(await page.locator('h1').textContent()).toBe(`District 1 ${kind.toUpperCase()}`);
      expect(await page.locator('.preview[lang=en] .preview-question').textContent()).toBe(expected[kind]);
      ids[kind] = page.url().split('/').pop()!;
    }
    const stored = await t.db.query(`SELECT kind, question_vi, question_en FROM surveys ORDER BY kind`);
    expect(stored).toEqual([
      { kind: 'ces', question_vi: null, question_en: null },
      { kind: 'csat', question_vi: null, question_en: null },
      { kind: 'nps', question_vi: null, question_en: null },
    ]);

    // Switch to Vietnamese from the top bar: the same page, now in Vietnamese.
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Tiếng Việt' }).click()]);
    expect(page.url()).toBe(`${server.url}/manage/surveys/${ids.ces}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    await expect(page.locator('#qr-title').textContent()).resolves.toBe('Mã QR');
    await expect(page.locator('.preview[lang=vi] .preview-question').textContent()).resolves.toBe('Touchpoint đã giúp tôi giải quyết việc của mình một cách dễ dàng.');

    // The QR code is drawn on the page, and its PNG and SVG downloads are real images.
    const qr = page.locator('img.qr');
    await expect(qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)).resolves.toBe(true);
    for (const [name, type] of [['Tải PNG', 'image/png'], ['Tải SVG', 'image/svg+xml']]) {
      const href = await page.getByRole('link', { name }).getAttribute('href');
      const res = await page.request.get(`${server.url}${href}`);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toContain(type);
    }
    await page.goto(`${server.url}/s/${ids.ces}/qr.svg`);
    expect(await page.locator('svg').count()).toBe(1);
    await context.close();
  });

  const PAGES = (ids: { surveyId: string; stageId: number; touchpointId: number }): Array<[string, string]> => [
    ['journey', '/manage/journey'],
    ['stage-new', '/manage/journey/stages/new'],
    ['stage-edit', `/manage/journey/stages/${ids.stageId}`],
    ['touchpoint-new', '/manage/journey/touchpoints/new'],
    ['touchpoint-edit', `/manage/journey/touchpoints/${ids.touchpointId}`],
    ['targets', '/manage/journey/targets'],
    ['surveys', '/manage/surveys'],
    ['survey-new', '/manage/surveys/new'],
    ['survey', `/manage/surveys/${ids.surveyId}`],
    ['survey-edit', `/manage/surveys/${ids.surveyId}/edit`],
    ['settings', '/manage/settings'],
    ['users', '/manage/users'],
    ['user-new', '/manage/users/new'],
    ['api-keys', '/manage/api-keys'],
  ];

  test.each([['en', 1366], ['en', 390], ['vi', 1366], ['vi', 390]] as const)('every management page in %s at %i px fits its width (screenshots for review)', async (locale, width) => {
    const [{ id: surveyId }] = await t.db.query(`SELECT id FROM surveys ORDER BY created_at LIMIT 1`);
    const [{ id: stageId }] = await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`);
    const [{ id: touchpointId }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'store-d1'`);
    await t.db.query(
      `INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target) VALUES ('nps', NULL, NULL, 40), ('csat', $1, NULL, 85.5), ('ces', NULL, $2, 5.5)
       ON CONFLICT DO NOTHING`, [stageId, touchpointId]);
    const overflowing: string[] = [];
    const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    const page = await logIn(context, `admin-${locale}@example.com`, '/manage/journey');
    // The first test switched its user to Vietnamese: the language button sets each context's language.
    if ((await page.locator('html').getAttribute('lang')) !== locale) {
      await Promise.all([page.waitForLoadState('load'), page.locator('.topbar button[name=locale]').click()]);
    }
    const shoot = async (name: string) => {
      expect(await page.locator('html').getAttribute('lang')).toBe(locale);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scrollWidth > width) overflowing.push(`${name}: ${scrollWidth}px`);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `manage-${name}-${width}-${locale}.png`), fullPage: true });
    };
    for (const [name, url] of PAGES({ surveyId, stageId, touchpointId })) {
      const res = await page.goto(`${server.url}${url}`);
      expect(res?.status()).toBe(200);
      await shoot(name);
    }
    // The pages that only a form submission shows: an error, a new colleague's password, a new API key.
    await page.goto(`${server.url}/manage/journey/stages/new`);
    // The browser's own pattern check is lifted to show the server's message for a bad key.
    await page.locator('#key').evaluate((el) => el.removeAttribute('pattern'));
    await page.fill('#key', 'Not a slug');
    await page.fill('#name_vi', 'Hậu mãi');
    await page.fill('#name_en', 'After-sales');
    await submitMain(page);
    await shoot('stage-errors');
    await page.goto(`${server.url}/manage/users/new`);
    await page.fill('#email', `colleague-${locale}-${width}@example.com`);
    await page.fill('#name', 'Nguyễn Thị Lan');
    await page.check('input[name=role][value=editor]');
    await submitMain(page);
    await shoot('user-created');
    await page.goto(`${server.url}/manage/api-keys`);
    await page.fill('#name', `Online shop ${locale} ${width}`);
    await submitMain(page);
    await shoot('api-key-created');
    await context.close();
    expect(overflowing).toEqual([]);
  }, 90_000);
});
