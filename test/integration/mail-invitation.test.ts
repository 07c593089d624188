import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeSurvey, type TouchpointOptions } from '../helpers/factories';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';

let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Cà Phê Sài Gòn <hello@shop.test>' });
  jobs = await startJobs({ ...t, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') }, { delivery: { pollIntervalMs: 100 } });
  await t.db.query(`UPDATE settings SET brand = 'Cà Phê <Sài Gòn> & Co'`);
});

afterAll(async () => {
  await jobs.stop();
  await t.close();
  await smtp.close();
});

/** The touchpoint every survey here asks about. */
const DELIVERY: TouchpointOptions = { stageKey: 'retention', name: { vi: 'Giao hàng', en: 'Delivery' }, channel: 'other' };

async function invite(surveyId: string, contacts: Array<{ email: string; name?: string; locale?: 'vi' | 'en' }>) {
  const res = await request(t.app).post(`/api/v1/surveys/${surveyId}/invitations`).set(api()).send({ contacts });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ queued: contacts.length, skipped: [] });
}

const mailTo = (address: string): Promise<CapturedMail> =>
  eventually(() => smtp.messages.find((m) => m.to.includes(address)), { what: `a mail to ${address}`, timeoutMs: 20_000, intervalMs: 25 });

const header = (mail: CapturedMail, name: string) => {
  const head = mail.raw.toString('utf8').split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1] ?? null;
};
/** An attribute value as a browser reads it (Handlebars writes `=` as &#x3D;). */
const decode = (value: string) => value.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => decode(m[1]));
const tokenOf = async (email: string) =>
  (await t.db.query(`SELECT i.token, i.id FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = $1`, [email]))[0] as { token: string; id: string };

describe('the invitation email', () => {
  test('is multipart HTML + text in the contact\'s language, with the brand, the question and one button per score', async () => {
    const surveyId = (await makeSurvey(t, { kind: 'nps', touchpoint: DELIVERY })).id;
    await invite(surveyId, [
      { email: 'lan@example.com', name: 'Lan <b>"Nguyễn"</b>', locale: 'vi' },
      { email: 'sam@example.com', name: 'Sam', locale: 'en' },
    ]);
    const vi = await mailTo('lan@example.com');
    const en = await mailTo('sam@example.com');
    const lan = await tokenOf('lan@example.com');

    expect(vi.parsed.subject).toBe('Cà Phê <Sài Gòn> & Co muốn nghe ý kiến của bạn');
    expect(vi.parsed.from?.value[0]).toMatchObject({ name: 'Cà Phê Sài Gòn', address: 'hello@shop.test' });
    expect(vi.parsed.to && !Array.isArray(vi.parsed.to) ? vi.parsed.to.value[0].address : null).toBe('lan@example.com');
    expect(header(vi, 'Content-Type')).toMatch(/^multipart\/alternative/);
    const html = String(vi.parsed.html);
    const text = String(vi.parsed.text);
    // What the team and the contact typed is escaped in the HTML, and plain in the text version.
    expect(html).toContain('Bạn có sẵn lòng giới thiệu Cà Phê &lt;Sài Gòn&gt; &amp; Co cho bạn bè hoặc đồng nghiệp không?');
    expect(html).toContain('Chào Lan &lt;b&gt;&quot;Nguyễn&quot;&lt;/b&gt;,');
    expect(html).not.toContain('<Sài Gòn>');
    expect(html).not.toContain('<b>"Nguyễn"');
    expect(text).toContain('Bạn có sẵn lòng giới thiệu Cà Phê <Sài Gòn> & Co cho bạn bè hoặc đồng nghiệp không?');
    expect(text).toContain('Chào Lan <b>"Nguyễn"</b>,');
    expect(html).toContain('Hoàn toàn không');
    expect(html).toContain('Chắc chắn có');

    const scoreLinks = hrefs(html).filter((h) => h.includes('/i/'));
    expect(scoreLinks).toEqual(Array.from({ length: 11 }, (_, n) => `${TEST_BASE_URL}/i/${lan.token}?score=${n}`));
    for (const link of scoreLinks) expect(text).toContain(link);
    // Every button is a big, labelled table cell link (table layout and inline CSS for Gmail and Outlook).
    expect(html).toMatch(/<table role="presentation"/);
    expect(html).toMatch(/<a href="[^"]+\?score&#x3D;0" title="0 – Hoàn toàn không" style="display:block;/);

    expect(header(vi, 'List-Unsubscribe')).toBe(`<${TEST_BASE_URL}/u/${lan.token}>`);
    expect(header(vi, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(hrefs(html)).toContain(`${TEST_BASE_URL}/u/${lan.token}`);
    expect(html).toContain('Hủy nhận email khảo sát');
    expect(text).toContain(`${TEST_BASE_URL}/u/${lan.token}`);
    expect(vi.parsed.messageId).toBe(`<invitation.${lan.id}@touchpoint.test>`);

    expect(en.parsed.subject).toBe('Cà Phê <Sài Gòn> & Co would like your feedback');
    expect(String(en.parsed.html)).toContain('How likely are you to recommend Cà Phê &lt;Sài Gòn&gt; &amp; Co to a friend or colleague?');
    expect(String(en.parsed.html)).toContain('Hi Sam,');
    expect(String(en.parsed.html)).toContain('Extremely likely');
    expect(String(en.parsed.text)).toContain('Unsubscribe from survey emails');

    // The server holds the message before the sender hears its reply and records the send: wait for that record.
    const rows = await eventually(async () => {
      const found = await t.db.query(`SELECT status, sent_at, attempts FROM invitations WHERE survey_id = $1`, [surveyId]);
      return found.every((r: { status: string }) => r.status !== 'queued' && r.status !== 'sending') && found;
    }, { what: 'both invitations recorded', timeoutMs: 20_000 });
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatchObject({ status: 'sent', attempts: 1 });
    for (const r of rows) expect(r.sent_at).not.toBeNull();
  });

  test('CSAT shows five buttons and CES seven, with their end labels', async () => {
    const csat = (await makeSurvey(t, { kind: 'csat', touchpoint: DELIVERY })).id;
    const ces = (await makeSurvey(t, { kind: 'ces', touchpoint: DELIVERY })).id;
    await invite(csat, [{ email: 'csat@example.com', locale: 'en' }]);
    await invite(ces, [{ email: 'ces@example.com', locale: 'vi' }]);
    const csatMail = String((await mailTo('csat@example.com')).parsed.html);
    const cesMail = String((await mailTo('ces@example.com')).parsed.html);
    const scores = (html: string) => hrefs(html).filter((h) => h.includes('/i/')).map((h) => Number(new URL(h).searchParams.get('score')));
    expect(scores(csatMail)).toEqual([1, 2, 3, 4, 5]);
    expect(csatMail).toContain('How satisfied were you with Delivery?');
    expect(csatMail).toContain('Very unsatisfied');
    expect(csatMail).toContain('Very satisfied');
    expect(scores(cesMail)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cesMail).toContain('Hoàn toàn không đồng ý');
    expect(cesMail).toContain('Hoàn toàn đồng ý');
  });
});

describe('link scanners', () => {
  test('fetching every URL of the email writes no answer and unsubscribes no one; each button opens its score', async () => {
    const surveyId = (await makeSurvey(t, { kind: 'nps', touchpoint: DELIVERY })).id;
    await invite(surveyId, [{ email: 'scanned@example.com', name: 'Minh', locale: 'vi' }]);
    const mail = await mailTo('scanned@example.com');
    const urls = new Set([...hrefs(String(mail.parsed.html)), ...String(mail.parsed.text).match(/https?:\/\/\S+/g)!]);
    expect(urls.size).toBe(12);
    for (const url of urls) {
      expect(url.startsWith(TEST_BASE_URL)).toBe(true);
      const path = url.slice(TEST_BASE_URL.length);
      for (const method of ['get', 'head'] as const) {
        const res = await request(t.app)[method](path);
        expect(res.status).toBe(200);
        if (method === 'get' && path.includes('?score=')) {
          const score = new URL(url).searchParams.get('score');
          expect(res.text).toContain(`value="${score}" required checked`);
          expect(res.text.match(/ checked/g)).toHaveLength(1);
        }
      }
    }
    expect(await t.db.query(`SELECT 1 FROM responses WHERE survey_id = $1`, [surveyId])).toHaveLength(0);
    const [state] = await t.db.query(
      `SELECT c.unsubscribed_at, i.responded_at, i.opened_at FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = 'scanned@example.com'`);
    expect(state.unsubscribed_at).toBeNull();
    expect(state.responded_at).toBeNull();
    expect(state.opened_at).not.toBeNull();

    // A person who clicks 9 confirms it: that answer is recorded.
    const nine = [...urls].find((u) => u.endsWith('?score=9'))!;
    const res = await request(t.app).post(nine.slice(TEST_BASE_URL.length)).type('form').send({ score: '9' });
    expect(res.status).toBe(303);
    const answers = await t.db.query(`SELECT score, channel FROM responses WHERE survey_id = $1`, [surveyId]);
    expect(answers).toEqual([{ score: 9, channel: 'email' }]);
  });
});
