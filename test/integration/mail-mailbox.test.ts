import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeSurvey } from '../helpers/factories';
import { loginAs } from '../helpers/login';
import { startJobs, type Jobs } from '../../src/jobs';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMailer } from '../../src/mail/mailer';

let t: TestApp;
let jobs: Jobs;
const logger = createLogger('silent');
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => {
  t = await startTestApp();
  jobs = await startJobs({ ...t, logger }, { delivery: { pollIntervalMs: 100 } });
});
afterAll(async () => {
  await jobs.stop();
  await t.close();
});

async function deliveredInvitation(email: string) {
  const survey = await makeSurvey(t, { kind: 'csat', title: `mailbox ${email}` });
  await request(t.app).post(`/api/v1/surveys/${survey.id}/invitations`).set(api()).send({ contacts: [{ email, name: 'Hoa <i>', locale: 'vi' }] });
  const [message] = await eventually(async () => {
    const rows = await t.db.query(`SELECT id FROM mailbox_messages WHERE recipients LIKE $1`, [`%${email}%`]);
    return rows.length > 0 && rows;
  }, { what: `the invitation to ${email} in the mailbox`, timeoutMs: 20_000 });
  const [{ token }] = await t.db.query(`SELECT i.token FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = $1`, [email]);
  return { id: String(message.id), token: token as string };
}

describe('the built-in mailbox (no SMTP_URL)', () => {
  test('keeps every email; an admin reads the list, the message, its HTML (sandboxed) and its text with working links', async () => {
    const { id, token } = await deliveredInvitation('hoa@example.com');
    const admin = await loginAs(t, 'admin', { locale: 'en' });

    const list = await admin.get('/manage/mailbox');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Hoa &lt;i&gt; &lt;hoa@example.com&gt;');
    expect(list.text).toContain('Touchpoint muốn nghe ý kiến của bạn');
    expect(list.text).toContain(`href="/manage/mailbox/${id}"`);
    expect(list.text).toMatch(/<a href="\/manage\/mailbox" aria-current="page">Mailbox<\/a>/);
    // Every dashboard page's navigation shows the mailbox to an admin.
    for (const other of ['/manage/surveys', '/overview']) {
      expect((await admin.get(other)).text).toContain('<a href="/manage/mailbox">Mailbox</a>');
    }

    const page = await admin.get(`/manage/mailbox/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<iframe class="inv-mail-frame" src="/manage/mailbox/${id}/html" sandbox="allow-popups allow-popups-to-escape-sandbox"`);
    expect(page.text).toContain(`<a href="${TEST_BASE_URL}/i/${token}?score&#x3D;5" target="_blank" rel="noopener">`);
    expect(page.text).toContain(`List-Unsubscribe`);
    expect(page.text).not.toMatch(/<i>/);

    const html = await admin.get(`/manage/mailbox/${id}/html`);
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.headers['content-security-policy']).toContain('sandbox allow-popups allow-popups-to-escape-sandbox');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(html.text).toContain('<base target="_blank">');
    expect(html.text).toContain(`${TEST_BASE_URL}/i/${token}?score&#x3D;1`);
    expect(html.text).toContain('Chào Hoa &lt;i&gt;,');
  });

  test('is for admins only, and says so to others', async () => {
    const { id } = await deliveredInvitation('private@example.com');
    for (const role of ['editor', 'viewer'] as const) {
      const agent = await loginAs(t, role, { locale: 'en' });
      for (const path of ['/manage/mailbox', `/manage/mailbox/${id}`, `/manage/mailbox/${id}/html`]) {
        expect({ role, path, status: (await agent.get(path)).status }).toEqual({ role, path, status: 403 });
      }
      expect((await agent.get('/manage/surveys')).text).not.toContain('href="/manage/mailbox"');
    }
    const anonymous = await request(t.app).get('/manage/mailbox');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2Fmanage%2Fmailbox');
  });

  test('unknown or malformed message ids are 404s', async () => {
    const admin = await loginAs(t, 'admin');
    for (const path of ['/manage/mailbox/999999', '/manage/mailbox/abc', '/manage/mailbox/0', `/manage/mailbox/${'9'.repeat(30)}/html`]) {
      expect({ path, status: (await admin.get(path)).status }).toEqual({ path, status: 404 });
    }
  });

  test('the same Message-ID delivered twice is kept once, as a mail client shows it', async () => {
    const mailer = createMailer({ db: t.db, config: t.config, logger });
    const mail = { to: 'twice@example.com', subject: 'Twice', html: '<p>x</p>', text: 'x', messageId: '<twice.1@touchpoint.test>' };
    await mailer.send(mail);
    await mailer.send(mail);
    mailer.close();
    expect(await t.db.query(`SELECT subject FROM mailbox_messages WHERE message_id = '<twice.1@touchpoint.test>'`)).toEqual([{ subject: 'Twice' }]);
  });

  test('with SMTP_URL set there is no mailbox: no page and no navigation entry', async () => {
    const config = loadConfig({
      NODE_ENV: 'test', BASE_URL: TEST_BASE_URL, SESSION_SECRET: t.config.sessionSecret, DATABASE_URL: 'postgres://unused/unused',
      DATA_DIR: t.config.dataDir, SMTP_URL: 'smtp://127.0.0.1:2525',
    });
    const withSmtp = { ...t, app: createApp({ ...t, config, logger }) };
    const admin = await loginAs(withSmtp, 'admin');
    expect((await admin.get('/manage/mailbox')).status).toBe(404);
    expect((await admin.get('/manage/surveys')).text).not.toContain('href="/manage/mailbox"');
  });
});
