import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createUser } from '../../src/modules/auth/users.service';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { dispatchDigest, lastCompleteWeek } from '../../src/modules/digest';
import { zonedDay } from '../../src/time';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The digest as recipients see it: the email captured from SMTP (its cid: chart swapped for the attached
 * PNG, as a mail client does), rendered by Chromium at 600 px (desktop client) and 360 px (phone), in
 * both languages, with no sideways scrolling and the chart image drawn; and the chart PNG on its own.
 * Screenshots: test-results/screenshots/digest-*.png.
 */
describeInBrowser('the digest email in Chromium, with demo data', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let jobs: Jobs;
  let browser: Browser;
  const mails: Partial<Record<'vi' | 'en', CapturedMail>> = {};

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ SMTP_URL: smtp.url });
    await seedDemoData(t.db, { responses: 30_000, contacts: 500 });
    await createUser(t.db, { email: 'lan@example.com', password: 'a long browser password', role: 'viewer', locale: 'vi', name: 'Lan' });
    await createUser(t.db, { email: 'sam@example.com', password: 'a long browser password', role: 'admin', locale: 'en', name: 'Sam' });
    // A comment that would run scripts if it were not escaped, among the week's verbatims.
    const [{ id: surveyId }] = await t.db.query(`SELECT id FROM surveys WHERE kind = 'csat' AND touchpoint_id IS NOT NULL ORDER BY title LIMIT 1`);
    const [{ tz }] = await t.db.query(`SELECT time_zone AS tz FROM settings`);
    const period = lastCompleteWeek(zonedDay(new Date(), tz));
    await t.db.query(`INSERT INTO responses (survey_id, score, comment, channel, locale, created_at) VALUES ($1, 1, $2, 'link', 'vi', ($3::date + 6 + interval '23 hours 59 minutes') AT TIME ZONE $4)`,
      [surveyId, '<img src=x onerror="document.title=1">Giao hàng quá chậm <script>alert(1)</script>', period.from, tz]);
    jobs = await startJobs(t, { delivery: { pollIntervalMs: 100 } });
    const outcome = await dispatchDigest({ ...t, boss: jobs.boss }, period);
    expect(outcome.status).toBe('queued');
    const all = await smtp.waitForMessages(2, 30_000);
    mails.vi = all.find((m) => m.to.includes('lan@example.com'));
    mails.en = all.find((m) => m.to.includes('sam@example.com'));
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    await t?.close();
    await smtp?.close();
  });

  /** The HTML a mail client shows: cid: references resolved to the attached images. */
  async function asShown(mail: CapturedMail): Promise<string> {
    const parsed = await simpleParser(mail.raw, { keepCidLinks: true });
    let html = String(parsed.html);
    expect(html).toContain('src="cid:');
    for (const a of parsed.attachments) {
      if (a.cid) html = html.replaceAll(`cid:${a.cid}`, `data:${a.contentType};base64,${a.content.toString('base64')}`);
    }
    return html;
  }

  for (const locale of ['vi', 'en'] as const) {
    for (const width of [600, 360]) {
      test(`${locale} at ${width} px: fits the width, the chart is drawn, the verbatim is text`, async () => {
        const mail = mails[locale];
        expect(mail).toBeDefined();
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
        await page.setContent(await asShown(mail!), { waitUntil: 'load' });
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth).toBeLessThanOrEqual(width);
        const chart = await page.$eval('img[src^="data:image/png"]', (img) => ({ w: (img as HTMLImageElement).naturalWidth, shown: (img as HTMLImageElement).getBoundingClientRect().width }));
        expect(chart.w).toBeGreaterThan(500);
        expect(chart.shown).toBeLessThanOrEqual(width);
        expect(await page.title()).not.toBe('1');
        expect(await page.$$('.verbatim script, .verbatim img')).toHaveLength(0);
        expect(await page.textContent('body')).toContain('<script>alert(1)</script>');
        expect(errors).toEqual([]);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `digest-${locale}-${width}.png`), fullPage: true });
        await page.close();
      }, 60_000);
    }
  }

  test('the chart PNG on its own, with Vietnamese diacritics in its titles', async () => {
    const png = mails.vi!.parsed.attachments.find((a) => a.contentType === 'image/png')!;
    fs.writeFileSync(path.join(SCREENSHOT_DIR, 'digest-chart-vi.png'), png.content);
    const page = await browser.newPage({ viewport: { width: 600, height: 700 } });
    await page.setContent(`<img src="data:image/png;base64,${png.content.toString('base64')}" width="560">`, { waitUntil: 'load' });
    expect(await page.$eval('img', (img) => (img as HTMLImageElement).naturalHeight)).toBeGreaterThan(300);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'digest-chart-in-chromium.png'), fullPage: true });
    await page.close();
  });

  test('the admin preview page shows the email in its frame, in both languages, without a policy violation', async () => {
    const server = await listen(t.app);
    try {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
      await page.goto(`${server.url}/login`);
      await page.fill('input[name=email]', 'sam@example.com');
      await page.fill('input[name=password]', 'a long browser password');
      await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);
      for (const lang of ['en', 'vi']) {
        await page.goto(`${server.url}/manage/digest?lang=${lang}`);
        const frame = page.frameLocator('iframe.inv-mail-frame');
        await frame.locator('h1').waitFor();
        expect(await frame.locator('h1').textContent()).toBe(lang === 'en' ? 'Weekly score digest' : 'Báo cáo điểm hằng tuần');
        expect(await frame.locator('img').first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(500);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `digest-admin-preview-${lang}.png`), fullPage: true });
      }
      await page.goto(`${server.url}/profile/digest`);
      await page.check('input[value=daily]');
      await Promise.all([page.waitForURL(/\/profile\/digest/), page.click('form.card button[type=submit]')]);
      expect(await page.isChecked('input[value=daily]')).toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'digest-profile.png'), fullPage: true });
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
