import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, SCREENSHOT_DIR } from '../helpers/browser';
import { freePortForTests } from '../helpers/ports';
import { startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createUser } from '../../src/modules/auth';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

describeInBrowser('the whole invitation loop on one machine, without SMTP', () => {
  let t: TestApp;
  let jobs: Jobs;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  let surveyId: string;

  beforeAll(async () => {
    // Links in emails use BASE_URL, so the app must know where it is served before it starts.
    const port = await freePortForTests();
    base = `http://127.0.0.1:${port}`;
    t = await startTestApp({ BASE_URL: base });
    server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    jobs = await startJobs({ ...t, logger: createLogger('silent') }, { delivery: { pollIntervalMs: 100 } });
    const auth = { Authorization: `Bearer ${t.apiKey}` };
    await request(t.app).post('/api/v1/touchpoints').set(auth)
      .send({ key: 'delivery', stageKey: 'retention', name: { vi: 'Giao hàng', en: 'Delivery' }, channel: 'other' }).expect(201);
    surveyId = (await request(t.app).post('/api/v1/surveys').set(auth).send({ kind: 'csat', touchpointKey: 'delivery', title: 'Delivery CSAT' }).expect(201)).body.id;
    await request(t.app).post('/api/v1/contacts').set(auth).send([
      { email: 'an@example.com', name: 'Nguyễn Văn An', locale: 'vi', attributes: { plan: 'gold' } },
      { email: 'bea@example.com', name: 'Bea', locale: 'en', attributes: { plan: 'gold' } },
      { email: 'chi@example.com', name: 'Chi', locale: 'vi', attributes: { plan: 'silver' } },
    ]).expect(200);
    await createUser(t.db, { email: 'owner@example.com', password: 'a long test password', role: 'admin', locale: 'en' });
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await t?.close();
  });

  async function logIn(page: Page) {
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', 'owner@example.com');
    await page.fill('input[name=password]', 'a long test password');
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  }

  test('an admin sends to a segment, watches the progress, reads the email in the mailbox and answers from its button', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await logIn(page);

    await page.goto(`${base}/manage/surveys/${surveyId}/send`);
    await page.check('input[name=audience][value=segment]');
    await page.fill('#attribute', 'plan');
    await page.fill('#value', 'gold');
    await Promise.all([page.waitForURL(/preview=1/), page.click('button[name=preview]')]);
    await expect(page.locator('.inv-strong dd').textContent()).resolves.toBe('2');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'send-preview-1366.png'), fullPage: true });

    await Promise.all([page.waitForURL(/\/send\/[0-9a-f-]{36}$/), page.click('text=Send 2 invitations')]);
    // The page refreshes itself (no script) until the mail is out.
    await page.waitForSelector('text=Sending is complete.', { timeout: 20_000 });
    await expect(page.locator('.inv-count-sent dd').textContent()).resolves.toBe('2');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'send-progress-1366.png'), fullPage: true });

    await page.goto(`${base}/manage/mailbox`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mailbox-1366.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/manage\/mailbox\/\d+$/), page.click('tr:has-text("an@example.com") a')]);
    const frame = page.frameLocator('iframe.inv-mail-frame');
    await expect(frame.locator('td', { hasText: 'Bạn hài lòng thế nào với Giao hàng?' }).last().isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'mailbox-message-1366.png'), fullPage: true });

    // The score button opens the survey in a new tab with that score selected; the answer needs a confirmation.
    const [survey] = await Promise.all([context.waitForEvent('page'), frame.locator('a', { hasText: /^4$/ }).click()]);
    await survey.waitForLoadState();
    expect(survey.url()).toMatch(/\/i\/[A-Za-z0-9_-]{22}\?score=4$/);
    await expect(survey.locator('input[name=score]:checked').getAttribute('value')).resolves.toBe('4');
    expect(await t.db.query(`SELECT 1 FROM responses WHERE survey_id = $1`, [surveyId])).toHaveLength(0);
    await survey.fill('#comment', 'Giao đúng giờ');
    await Promise.all([survey.waitForURL(/\/thanks/), survey.click('button[type=submit]')]);
    expect(await t.db.query(`SELECT score, comment, channel FROM responses WHERE survey_id = $1`, [surveyId]))
      .toEqual([{ score: 4, comment: 'Giao đúng giờ', channel: 'email' }]);

    await page.goto(`${base}/manage/surveys/${surveyId}/send`);
    await expect(page.locator('.inv-rate').textContent()).resolves.toBe('50.0%'); // the response rate reads as on the survey page
    await context.close();
  });

  test('on a 390 px phone: the email, the send page and the unsubscribe page fit the screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await logIn(page);
    const [{ id }] = await t.db.query(`SELECT id FROM mailbox_messages WHERE recipients LIKE '%bea@example.com%'`);
    await page.goto(`${base}/manage/mailbox/${id}/html`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'email-390.png'), fullPage: true });
    await page.goto(`${base}/manage/surveys/${surveyId}/send`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'send-390.png'), fullPage: true });

    const [{ token }] = await t.db.query(`SELECT i.token FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = 'bea@example.com'`);
    await page.goto(`${base}/u/${token}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'unsubscribe-390.png'), fullPage: true });
    await Promise.all([page.waitForLoadState(), page.click('button[type=submit]')]);
    await expect(page.locator('.thanks').textContent()).resolves.toContain('You are unsubscribed.');
    expect((await t.db.query(`SELECT unsubscribed_at FROM contacts WHERE email = 'bea@example.com'`))[0].unsubscribed_at).not.toBeNull();
    await context.close();
  });
});
