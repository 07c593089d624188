import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeUser } from '../helpers/factories';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { startJobs, type Jobs } from '../../src/jobs';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

const PASSWORD = 'a long browser password';

describeInBrowser('an editor imports contacts through the form, in a real browser', () => {
  let t: TestApp;
  let jobs: Jobs;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    // The import runs as a job.
    jobs = await startJobs({ ...t, logger: t.logger });
    await makeUser(t, 'editor', { email: 'editor.vi@example.com', password: PASSWORD, locale: 'vi' });
    await makeUser(t, 'editor', { email: 'editor.en@example.com', password: PASSWORD, locale: 'en' });
    server = await listen(t.app);
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await jobs?.stop();
    await t?.close();
  });

  async function logIn(page: Page, email: string): Promise<void> {
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  }

  async function noSideways(page: Page, width: number): Promise<void> {
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }

  const csv = [
    'email;họ tên;ngôn ngữ;segment;thành phố',
    'lan.nguyen@example.com;Nguyễn Thị Lan;vi;vip;Hà Nội',
    'minh.tran@example.com;Trần Minh;en;regular;Đà Nẵng',
    'sai-email;Lê Văn Sai;vi;;',
    'huong.pham@example.com;Phạm Thu Hương;ja;;Huế',
    'LAN.NGUYEN@example.com;Lan trùng;vi;;',
    'duc.do@example.com;Đỗ Đức Anh;;vip;Cần Thơ',
  ].join('\n');

  test('uploads a small CSV (Vietnamese), follows the redirect and reads the per-row report', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    await logIn(page, 'editor.vi@example.com');
    await page.goto(`${server.url}/manage/contacts/import`);
    await page.setInputFiles('input[type=file]', { name: 'khach-hang.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}`, 'utf8') });
    await Promise.all([page.waitForURL(/\/manage\/contacts\/imports\/[0-9a-f-]{36}$/), page.click('form.ct-upload button[type=submit]')]);
    // The page refreshes itself (Refresh header) until the import is done.
    await page.waitForSelector('#import-status:has-text("Hoàn tất")', { timeout: 20_000 });
    const errors = await page.locator('table.ct-errors tbody tr').evaluateAll((rows) =>
      rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent?.trim())));
    expect(errors).toEqual([
      ['4', 'sai-email', 'Email không hợp lệ.'],
      ['5', 'huong.pham@example.com', 'Ngôn ngữ “ja” không hợp lệ: dùng vi hoặc en.'],
      ['6', 'LAN.NGUYEN@example.com', 'Trùng email với dòng 2; chỉ dòng 2 được nhập.'],
    ]);
    expect(await page.locator('.ct-count.good dd').textContent()).toBe('3');
    const stored = await t.db.query(`SELECT email, name FROM contacts ORDER BY email`);
    expect(stored).toEqual([
      { email: 'duc.do@example.com', name: 'Đỗ Đức Anh' },
      { email: 'lan.nguyen@example.com', name: 'Nguyễn Thị Lan' },
      { email: 'minh.tran@example.com', name: 'Trần Minh' },
    ]);
    await page.close();
  }, 60_000);

  test('every contacts page fits 1366 px and 390 px, in Vietnamese and in English (screenshots)', async () => {
    const [{ id: contactId }] = await t.db.query(`SELECT id FROM contacts WHERE email = 'lan.nguyen@example.com'`);
    await t.db.query(`UPDATE contacts SET attributes = attributes || '{"plan":"gold","orders":"12","kenh":"zalo"}' WHERE id = $1`, [contactId]);
    await t.db.query(`UPDATE contacts SET unsubscribed_at = now() WHERE email = 'minh.tran@example.com'`);
    const [{ id: importId }] = await t.db.query(`SELECT id FROM contact_imports ORDER BY started_at DESC LIMIT 1`);
    const [{ id: runningId }] = await t.db.query(
      `INSERT INTO contact_imports (file_name, status, total, processed, created, updated) VALUES ('khach-hang-2026.csv', 'running', 100000, 37000, 35210, 1790) RETURNING id`);
    const pages: Array<[string, string]> = [
      ['progress', `/manage/contacts/imports/${runningId}`],
      ['list', '/manage/contacts'],
      ['detail', `/manage/contacts/${contactId}`],
      ['delete', `/manage/contacts/${contactId}/delete`],
      ['import', '/manage/contacts/import'],
      ['report', `/manage/contacts/imports/${importId}`],
    ];
    for (const [lang, email] of [['vi', 'editor.vi@example.com'], ['en', 'editor.en@example.com']] as const) {
      for (const width of [1366, 390]) {
        const page = await browser.newPage({ viewport: { width, height: width > 500 ? 900 : 844 }, deviceScaleFactor: 1 });
        await logIn(page, email);
        for (const [name, href] of pages) {
          const res = await page.goto(`${server.url}${href}`);
          expect(res?.status()).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          await noSideways(page, width);
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `contacts-${name}-${lang}-${width}.png`), fullPage: true });
        }
        // A refused upload: the import page again, with the reason.
        await page.goto(`${server.url}/manage/contacts/import`);
        await page.setInputFiles('input[type=file]', { name: 'danh-ba.csv', mimeType: 'text/csv', buffer: Buffer.from('name;phone\nLan;0901\n') });
        await Promise.all([page.waitForLoadState('load'), page.click('form.ct-upload button[type=submit]')]);
        await page.waitForSelector('.ct-problem');
        await noSideways(page, width);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `contacts-refused-${lang}-${width}.png`), fullPage: true });
        await page.close();
      }
    }
  }, 120_000);
});
