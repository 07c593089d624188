import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app';
import { browserAvailable, launchBrowser, listen, SCREENSHOT_DIR } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { answer, makeSurvey } from '../helpers/factories';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createUser } from '../../src/modules/auth/users.service';

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The webhook pages and the alert emails as people see them, in Debian's Chromium: an admin adds a webhook
 * to a local receiver through the form, copies the secret shown once, sends a test event and reads the
 * delivery in the log; the alert emails (English and Vietnamese, with a hostile comment) render escaped.
 */
describeInBrowser('webhooks and alerts in Chromium', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let jobs: Jobs;
  let browser: Browser;
  let receiver: http.Server;
  let receiverUrl = '';
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: '1' });
    await createUser(t.db, { email: 'sam@example.com', password: 'a long browser password', role: 'admin', locale: 'en', name: 'Sam' });
    await createUser(t.db, { email: 'lan@example.com', password: 'a long browser password', role: 'editor', locale: 'vi', name: 'Lan' });
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/touchpoint`;
    jobs = await startJobs(t, { closedLoop: { pollIntervalMs: 100, grouping: { gatherSeconds: 0, windowSeconds: 60 } } });
    browser = await launchBrowser();
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    await t?.close();
    await smtp?.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  test('an admin adds a webhook, sees the secret once, sends a test event and reads the delivery log', async () => {
    const server = await listen(t.app);
    try {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      await page.goto(`${server.url}/login`);
      await page.fill('input[name=email]', 'sam@example.com');
      await page.fill('input[name=password]', 'a long browser password');
      await Promise.all([page.waitForURL(/\/overview/), page.click('button[type=submit]')]);

      await page.goto(`${server.url}/manage/webhooks`);
      // A scheme that is not http(s) is refused on the form, in words.
      await page.fill('#url', 'ftp://example.com/hook');
      await page.evaluate(() => document.querySelector('#url')!.setAttribute('type', 'text'));
      await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
      expect(await page.locator('#url-error').textContent()).toContain('http');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'webhooks-refused.png'), fullPage: true });

      await page.fill('#url', receiverUrl);
      await page.uncheck('input[value="response.updated"]');
      await Promise.all([page.waitForLoadState('load'), page.click('form.card button[type=submit]')]);
      const secret = await page.inputValue('#new-secret');
      expect(secret).toMatch(/^whsec_/);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'webhook-created.png'), fullPage: true });

      await page.click('text=Recent deliveries');
      await Promise.all([page.waitForLoadState('load'), page.click('text=Send a test event')]);
      expect(await page.locator('.alert').first().textContent()).toContain('test event');
      await eventually(() => received.length > 0, { timeoutMs: 20_000 });
      expect(JSON.parse(received[0].body).type).toBe('webhook.test');
      await eventually(async () => {
        await page.reload();
        return (await page.locator('table.webhook-deliveries tbody tr').first().textContent())?.includes('Delivered');
      }, { timeoutMs: 20_000, intervalMs: 300 });
      expect(await page.locator('table.webhook-deliveries tbody tr').first().textContent()).toContain('204');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'webhook-deliveries.png'), fullPage: true });

      await page.goto(`${server.url}/manage/webhooks`);
      expect(await page.locator('table.webhooks').textContent()).toContain(receiverUrl);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'webhooks-list.png'), fullPage: true });
      // The secret is nowhere but on the page that created it.
      expect(await page.content()).not.toContain(secret);

      await page.goto(`${server.url}/profile/alerts`);
      await page.uncheck('input[name=alert_emails]');
      await Promise.all([page.waitForURL(/\/profile\/alerts/), page.click('form.card button[type=submit]')]);
      expect(await page.isChecked('input[name=alert_emails]')).toBe(false);
      const [{ alert_emails: on }] = await t.db.query(`SELECT alert_emails FROM users WHERE email = 'sam@example.com'`);
      expect(on).toBe(false);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'alerts-profile.png'), fullPage: true });
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await server.close();
    }
  }, 90_000);

  test('alert emails in both languages render with the comment escaped', async () => {
    const hostile = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script> Nhân viên thô lỗ';
    for (const [owner, lang] of [['sam@example.com', 'en'], ['lan@example.com', 'vi']] as const) {
      const survey = await makeSurvey(t, { touchpoint: { ownerEmail: owner, name: { vi: 'Cửa hàng Quận 1', en: 'District 1 store' } } });
      // Sam turned alerts off above: on again for this test.
      await t.db.query(`UPDATE users SET alert_emails = true WHERE email = $1`, [owner]);
      await answer(t, survey.id, { score: 1, comment: hostile, email: 'khach@example.com' });
      const mail = await eventually(() => smtp.messages.find((m) => m.to.includes(owner)), { timeoutMs: 30_000 });
      const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
      await page.setContent(String(mail.parsed.html), { waitUntil: 'load' });
      expect(await page.title()).not.toBe('pwned');
      expect(await page.locator('body').textContent()).toContain('<script>document.title="pwned"</script>');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `alert-email-${lang}.png`), fullPage: true });
      fs.writeFileSync(path.join(SCREENSHOT_DIR, `alert-email-${lang}.txt`), `Subject: ${mail.parsed.subject}\n\n${mail.parsed.text}`);
      await page.close();
    }
  }, 90_000);
});
