import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient } from '../helpers/api';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createUser } from '../../src/modules/auth/users.service';
import { dispatchDigest, weekPeriod } from '../../src/modules/digest';
import { analyseAllPending, getThemesThatGrew } from '../../src/modules/themes';

/**
 * The weekly digest's "themes that grew", read from the emails a real SMTP server receives. One CSAT
 * survey (Asia/Ho_Chi_Minh); W = 2026-03-09 … 03-15 is the digest's week, P the week before:
 *   P: detractors (score 1) "Sản phẩm bị lỗi" ×20 — nobody mentions late delivery;
 *   W: detractors "Giao hàng trễ <b>quá</b> & chậm" ×15 (markup a customer typed), "Sản phẩm bị lỗi" ×5.
 * So "giao hàng trễ" goes from 0 % to 75 % of detractor comments: significant, "grew".
 */

const W = weekPeriod('2026-03-09');
const TYPED = 'Giao hàng trễ <b>quá</b> & chậm';
let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
let survey: string;

async function comments(score: number, text: string, times: number, at: string) {
  await t.db.query(
    `INSERT INTO responses (survey_id, score, comment, channel, locale, created_at)
     SELECT $1, $2, $3, 'link', 'vi', $4::timestamptz + n * interval '1 minute' FROM generate_series(1, $5) n`,
    [survey, score, text, at, times]);
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url });
  jobs = await startJobs(t, { delivery: { pollIntervalMs: 100 }, digest: { clock: () => new Date('2030-01-03T05:00:00Z'), delivery: { pollIntervalMs: 100 } } });
  const api = apiClient(() => t);
  expect((await api.post('/touchpoints', { key: 'delivery', stageKey: 'retention', name: { vi: 'Giao hàng', en: 'Delivery' }, channel: 'website' })).status).toBe(201);
  const res = await api.post('/surveys', { kind: 'csat', title: 'Delivery CSAT', touchpointKey: 'delivery' });
  expect(res.status).toBe(201);
  survey = res.body.id;
  await comments(1, 'Sản phẩm bị lỗi', 20, '2026-03-03T10:00:00+07:00');
  await comments(1, TYPED, 15, '2026-03-11T10:00:00+07:00');
  await comments(1, 'Sản phẩm bị lỗi', 5, '2026-03-12T10:00:00+07:00');
  await analyseAllPending(t.db);
  await createUser(t.db, { email: 'lan@example.com', password: 'a long test password', role: 'viewer', locale: 'vi' });
  await createUser(t.db, { email: 'sam@example.com', password: 'a long test password', role: 'viewer', locale: 'en' });
}, 120_000);

afterAll(async () => {
  await jobs?.stop();
  await t?.close();
  await smtp?.close();
});

test('the weekly digest lists the themes that grew, in both languages, in HTML and text, with what customers typed escaped', async () => {
  const grew = await getThemesThatGrew(t.db, W);
  expect(grew.length).toBeGreaterThan(0);
  const top = grew[0];
  expect(top.phrase).toBe('giao hàng trễ');
  expect(top.count).toBe(15);
  expect(top.previousShare).toBe(0);

  const outcome = await dispatchDigest({ ...t, boss: jobs.boss }, W);
  expect(outcome).toMatchObject({ status: 'queued', queued: 2 });
  const mails: CapturedMail[] = await smtp.waitForMessages(2);
  const to = (address: string) => mails.find((m) => m.to.includes(address))!.parsed;
  const vi = to('lan@example.com');
  const en = to('sam@example.com');

  for (const [mail, heading, line] of [[vi, 'Chủ đề đang tăng', '15 lần nhắc, 75,0% bình luận (tuần trước 0,0%)'], [en, 'Themes that grew', '15 mentions, 75.0% of comments (week before 0.0%)']] as const) {
    const html = String(mail.html);
    const section = html.slice(html.indexOf(heading));
    expect(html).toContain(heading);
    expect(section).toContain(`>${top.phrase}</strong>`);
    expect(section).toContain(line);
    // The example is what a customer typed: escaped in the HTML, never markup.
    expect(section).toContain('Giao hàng trễ &lt;b&gt;quá&lt;/b&gt; &amp; chậm');
    expect(html).not.toContain('<b>quá</b>');
    const text = String(mail.text);
    expect(text).toContain(`== ${heading} ==`);
    expect(text).toContain(`- ${top.phrase} · ${line}`);
    expect(text).toContain(`"${TYPED}"`);
  }
});
