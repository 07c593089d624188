import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { apiClient } from '../helpers/api';
import { loginAs } from '../helpers/login';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createUser } from '../../src/modules/auth/users.service';
import { buildDigest, dispatchDigest, weekPeriod } from '../../src/modules/digest';
import { renderDigestContent } from '../../src/modules/digest/digest.email';
import { scoreFigure } from '../../src/modules/digest/digest.report';
import { digestView } from '../../src/modules/digest/digest.view';
import { formatterFor } from '../../src/web/format';
import type { MetricKind } from '../../src/modules/metrics';

/**
 * The digest's content against a journey whose answers are known, week by week (Asia/Ho_Chi_Minh):
 *   W = 2026-03-09 … 03-15, the digest's week; P = 2026-03-02 … 03-08, the week before.
 *   CSAT A  web-checkout (decision)    P: 5×36 2×4 (90 %)         W: 5×20 2×20 (50 %)      significant decline
 *   CSAT B  store-checkout (decision)  P: 4×18 3×12 (60 %)        W: 4×19 3×11 (63.3 %)    not significant
 *   CSAT D  online-ads (awareness)     P: 4×20 3×10 (66.7 %)      W: 4×21 3×9 (70 %)       not significant
 *   NPS  C  delivery (retention)       P: 9×20 7×10 3×10 (+25)    W: 10×32 8×4 2×4 (+70)   significant rise
 *   CES  R  stage retention            P: 5×10                    W: 6×5 4×5               low sample
 * plus comments (one carrying markup), follow-ups, and invitations for the response rate.
 */

const TZ = 'Asia/Ho_Chi_Minh';
const W = weekPeriod('2026-03-09');
const EMPTY = weekPeriod('2026-04-06');
const XSS = '<img src=x onerror=alert(1)>Giao hàng <b>trễ</b> & "sai" <script>alert(2)</script>';

let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
const { get } = apiClient(() => t);
const surveys: Record<string, string> = {};

/** Answers of a survey at noon (org time) of a day: `histogram` is score → how many. */
async function answer(survey: string, day: string, histogram: Record<number, number>) {
  for (const [score, times] of Object.entries(histogram)) {
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, created_at)
       SELECT $1, $2, 'link', 'vi', ($3::date + interval '12 hours') AT TIME ZONE $4 FROM generate_series(1, $5)`,
      [surveys[survey], Number(score), day, TZ, times]);
  }
}

async function comment(survey: string, score: number, text: string, at: string) {
  const [{ id }] = await t.db.query(
    `INSERT INTO responses (survey_id, score, comment, channel, locale, created_at) VALUES ($1, $2, $3, 'link', 'vi', $4::timestamptz) RETURNING id`,
    [surveys[survey], score, text, at]);
  return String(id);
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url });
  // A clock far from any digest's hour: only the dispatches the tests ask for happen.
  jobs = await startJobs(t, { delivery: { pollIntervalMs: 100 }, digest: { clock: () => new Date('2030-01-03T05:00:00Z'), delivery: { pollIntervalMs: 100 } } });
  const api = apiClient(() => t);
  for (const [key, stageKey, vi, en] of [['web-checkout', 'decision', 'Thanh toán web', 'Web checkout'], ['store-checkout', 'decision', 'Thanh toán tại quầy', 'Store checkout'],
    ['online-ads', 'awareness', 'Quảng cáo', 'Online ads'], ['delivery', 'retention', 'Giao hàng', 'Delivery']]) {
    expect((await api.post('/touchpoints', { key, stageKey, name: { vi, en }, channel: 'website' })).status).toBe(201);
  }
  for (const [name, kind, attach] of [['A', 'csat', { touchpointKey: 'web-checkout' }], ['B', 'csat', { touchpointKey: 'store-checkout' }],
    ['D', 'csat', { touchpointKey: 'online-ads' }], ['C', 'nps', { touchpointKey: 'delivery' }], ['R', 'ces', { stageKey: 'retention' }]] as const) {
    const res = await api.post('/surveys', { kind, title: `Survey ${name}`, ...attach });
    expect(res.status).toBe(201);
    surveys[name] = res.body.id;
  }
  await answer('A', '2026-03-03', { 5: 36, 2: 4 });
  await answer('A', '2026-03-10', { 5: 20, 2: 20 });
  await answer('B', '2026-03-04', { 4: 18, 3: 12 });
  await answer('B', '2026-03-11', { 4: 19, 3: 11 });
  await answer('D', '2026-03-05', { 4: 20, 3: 10 });
  await answer('D', '2026-03-12', { 4: 21, 3: 9 });
  await answer('C', '2026-03-06', { 9: 20, 7: 10, 3: 10 });
  await answer('C', '2026-03-13', { 10: 32, 8: 4, 2: 4 });
  await answer('R', '2026-03-07', { 5: 10 });
  await answer('R', '2026-03-14', { 6: 5, 4: 5 });
  // Comments of the week: detractors first in the digest, newest first within each group.
  await comment('C', 9, 'Giao nhanh, cảm ơn!', '2026-03-15T20:00:00+07:00');
  const xss = await comment('A', 1, XSS, '2026-03-14T09:00:00+07:00');
  await comment('C', 0, 'Shipper was rude.', '2026-03-13T09:00:00+07:00');
  await comment('B', 3, 'Ổn.', '2026-03-12T09:00:00+07:00');
  await comment('C', 3, 'Last week’s complaint', '2026-03-08T09:00:00+07:00');
  // Follow-ups: two open (one of the week), one closed during the week.
  await t.db.query(`INSERT INTO follow_ups (response_id, status, created_at) VALUES ($1, 'open', '2026-03-14T09:05:00+07:00')`, [xss]);
  const [{ id: old }] = await t.db.query(`SELECT id FROM responses WHERE comment = 'Last week’s complaint'`);
  await t.db.query(`INSERT INTO follow_ups (response_id, status, created_at) VALUES ($1, 'in_progress', '2026-03-08T09:05:00+07:00')`, [old]);
  const [{ id: rude }] = await t.db.query(`SELECT id FROM responses WHERE comment = 'Shipper was rude.'`);
  await t.db.query(`INSERT INTO follow_ups (response_id, status, created_at, closed_at) VALUES ($1, 'closed', '2026-03-13T09:05:00+07:00', '2026-03-14T09:00:00+07:00')`, [rude]);
  // Invitations: 10 sent in W (4 answered), 5 in P (1 answered).
  const [{ id: contact }] = await t.db.query(`INSERT INTO contacts (email) VALUES ('rate@example.com') RETURNING id`);
  await t.db.query(
    `INSERT INTO invitations (survey_id, contact_id, token, status, sent_at, responded_at)
     SELECT $1, $2, 'tok' || n, 'sent', $3::timestamptz + n * interval '1 minute', CASE WHEN n <= $4 THEN $3::timestamptz + interval '1 hour' END
     FROM generate_series(1, $5) AS n`, [surveys.A, contact, '2026-03-10T10:00:00+07:00', 4, 10]);
  await t.db.query(
    `INSERT INTO invitations (survey_id, contact_id, token, status, sent_at, responded_at)
     SELECT $1, $2, 'old' || n, 'sent', $3::timestamptz + n * interval '1 minute', CASE WHEN n <= 1 THEN $3::timestamptz + interval '1 hour' END
     FROM generate_series(1, 5) AS n`, [surveys.A, contact, '2026-03-03T10:00:00+07:00']);
}, 60_000);

afterAll(async () => {
  await jobs.stop();
  await t.close();
  await smtp.close();
});

const close = (a: number | null, b: number | null) => (a === null || b === null ? expect(a).toBe(b) : expect(a).toBeCloseTo(b, 9));

describe('figures', () => {
  test('every score, n and margin equals GET /api/v1/metrics for that week and the week before', async () => {
    const { figures, report } = await buildDigest(t.db, W);
    for (const kind of ['nps', 'csat', 'ces'] as MetricKind[]) {
      for (const [range, side] of [[W, 'current'], [W.previous, 'previous']] as const) {
        const q = `kind=${kind}&from=${range.from}&to=${range.to}`;
        const overall = (await get(`/metrics?${q}&by=overall`)).body.groups[0];
        const mine = report.overall.find((f) => f.kind === kind)!;
        const figure = side === 'current' ? mine : { ...mine.previous, lowSample: mine.previous.n < 30 };
        expect({ n: figure.n }).toEqual({ n: overall.n });
        close(figure.score, overall.score);
        close(figure.moe, overall.moe);

        for (const g of (await get(`/metrics?${q}&by=stage`)).body.groups) {
          const cell = report.stages.find((s) => s.key === g.key)!.cells.find((c) => c.kind === kind)!;
          const f = cell.figure ? (side === 'current' ? cell.figure : cell.figure.previous) : { n: 0, score: null, moe: null };
          expect({ stage: g.key, kind, n: f.n }).toEqual({ stage: g.key, kind, n: g.n });
          close(f.score, g.score);
          close(f.moe, g.moe);
        }
        for (const g of (await get(`/metrics?${q}&by=touchpoint`)).body.groups) {
          const tp = figures.touchpoints.find((x) => x.key === g.key)!;
          const f = scoreFigure(kind, tp.scores[kind]!);
          const v = side === 'current' ? f : f.previous;
          expect({ touchpoint: g.key, n: v.n }).toEqual({ touchpoint: g.key, n: g.n });
          close(v.score, g.score);
          close(v.moe, g.moe);
        }
      }
      const weeks = (await get(`/metrics?kind=${kind}&by=week&from=${report.trend[0].week}&to=${W.to}`)).body.groups;
      expect(weeks.map((g: { key: string }) => g.key)).toEqual(report.trend.map((w) => w.week));
      weeks.forEach((g: { n: number; score: number | null }, i: number) => {
        const cell = report.trend[i].cells.find((c) => c.kind === kind)!;
        expect(cell.n).toBe(g.n);
        close(cell.score, g.score);
      });
    }
    expect(report.responses).toBe(40 + 30 + 30 + 40 + 10 + 4);
  });

  test('a significant change gets its arrow and colour, a non-significant one neither; a low sample is marked and grey', async () => {
    const { figures, report } = await buildDigest(t.db, W);
    const view = digestView(report, figures.brand, figures.kinds, formatterFor('en', TZ), { baseUrl: TEST_BASE_URL, audience: 'user', chartSrc: null, now: new Date('2026-03-16T08:00:00+07:00') });
    const tile = (label: string) => view.tiles.find((x) => x.label === label)!;
    expect(tile('NPS').change).toMatchObject({ arrow: '▲', color: '#1f8a4c', arrowLabel: 'Significant increase' });
    expect(tile('CSAT').change).toMatchObject({ arrow: '▼', color: '#c53030' });
    expect(tile('CES')).toMatchObject({ lowSample: true, nText: '10', change: { arrow: null, color: '#5b6478', note: 'not significant' } });
    const awareness = view.stages.find((s) => s.name === 'Awareness')!;
    expect(awareness.cells.find((c) => c.label === 'CSAT')).toMatchObject({ has: true, scoreText: '70.0%', change: { arrow: null, text: '+3.3', note: 'not significant' } });
    // The movers: significant, enough answers on both sides; store checkout and online ads moved by noise only.
    expect(report.movers.up.map((m) => `${m.touchpointKey} ${m.figure.kind}`)).toEqual(['delivery nps']);
    expect(report.movers.down.map((m) => `${m.touchpointKey} ${m.figure.kind}`)).toEqual(['web-checkout csat']);
    expect(view.movers.down[0]).toMatchObject({ name: 'Web checkout', stage: 'Decision', url: `${TEST_BASE_URL}/touchpoints/web-checkout?period=custom&from=2026-03-09&to=2026-03-15` });
    expect(view.movers.none).toBe(false);
  });

  test('follow-ups, verbatims (detractors first) and the response rate against the week before', async () => {
    const { report } = await buildDigest(t.db, W);
    expect(report.followUps).toEqual({ active: 2, opened: 2, oldestActiveAt: new Date('2026-03-08T02:05:00Z') });
    expect(report.verbatims.map((v) => [v.score, v.group])).toEqual([[1, 'detractor'], [0, 'detractor'], [9, 'promoter'], [3, 'passive']]);
    expect(report.verbatims[0].comment).toBe(XSS);
    expect(report.verbatims[0].place).toEqual({ vi: 'Thanh toán web', en: 'Web checkout' });
    expect(report.responseRate).toEqual({ current: { sent: 10, responded: 4, rate: 40 }, previous: { sent: 5, responded: 1, rate: 20 } });
  });

  test('a week when only noise moved says so plainly', async () => {
    const quiet = weekPeriod('2026-03-16');
    await answer('A', '2026-03-17', { 5: 10, 2: 10 });
    const { figures, report } = await buildDigest(t.db, quiet);
    expect(report.movers).toEqual({ up: [], down: [] });
    const view = digestView(report, figures.brand, figures.kinds, formatterFor('vi', TZ), { baseUrl: TEST_BASE_URL, audience: 'user', chartSrc: null, now: new Date() });
    expect(view.movers).toMatchObject({ none: true, noneText: 'Không có thay đổi có ý nghĩa thống kê trong tuần này.' });
  });
});

describe('the emails', () => {
  let mails: CapturedMail[];
  const to = (address: string) => mails.filter((m) => m.to.some((x) => x.toLowerCase() === address));
  /** Attribute values as a browser reads them (Handlebars writes `=` as `&#x3D;`). */
  const decoded = (html: unknown) => String(html).replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');

  beforeAll(async () => {
    await createUser(t.db, { email: 'lan@example.com', password: 'a long test password', role: 'viewer', locale: 'vi' });
    await createUser(t.db, { email: 'sam@example.com', password: 'a long test password', role: 'editor', locale: 'en' });
    await createUser(t.db, { email: 'quiet@example.com', password: 'a long test password', role: 'viewer', locale: 'en' });
    await t.db.query(`UPDATE users SET digest_frequency = 'off' WHERE email = 'quiet@example.com'`);
    await t.db.query(`UPDATE settings SET digest_recipients = ARRAY['CEO@Example.vn', 'Lan@example.com']`);
    const outcome = await dispatchDigest({ ...t, boss: jobs.boss }, W);
    expect(outcome).toMatchObject({ status: 'queued', queued: 3 });
    mails = await smtp.waitForMessages(3);
  });

  test('one email per recipient: every user not opted out, plus the extra addresses (a user listed there too gets one)', async () => {
    expect(mails.map((m) => m.to.join().toLowerCase()).sort()).toEqual(['ceo@example.vn', 'lan@example.com', 'sam@example.com']);
  });

  test('Vietnamese and English, each in the reader’s language and number format', async () => {
    const csat = (await buildDigest(t.db, W)).report.overall.find((f) => f.kind === 'csat')!;
    const vi = to('lan@example.com')[0].parsed;
    const en = to('sam@example.com')[0].parsed;
    expect(vi.subject).toBe('Touchpoint · Báo cáo tuần 09/03/2026 – 15/03/2026');
    expect(en.subject).toBe('Touchpoint · Weekly digest, 9 Mar 2026 – 15 Mar 2026');
    expect(vi.html).toContain('Báo cáo điểm hằng tuần');
    expect(vi.html).toContain('Theo giai đoạn');
    expect(vi.html).toContain('Ít mẫu');
    expect(en.html).toContain('By stage');
    expect(en.html).toContain('Low sample');
    // Overall CSAT (60 satisfied of 102: 58.8 %), written the reader's way.
    expect(csat.n).toBe(102);
    expect(vi.text).toContain(`CSAT: ${formatterFor('vi', TZ).score('csat', csat.score!)}`);
    expect(en.text).toContain('CSAT: 58.8%');
    // The extra address reads the organisation's language (Vietnamese by default) and cannot change a profile.
    const ceo = to('ceo@example.vn')[0].parsed;
    expect(ceo.subject).toBe(vi.subject);
    expect(ceo.html).not.toContain('/profile/digest');
    expect(String(vi.html)).toContain(`${TEST_BASE_URL}/profile/digest`);
  });

  test('links into the dashboard carry the week', () => {
    const html = decoded(to('sam@example.com')[0].parsed.html);
    expect(html).toContain(`href="${TEST_BASE_URL}/overview?period=custom&from=2026-03-09&to=2026-03-15"`);
    expect(html).toContain(`href="${TEST_BASE_URL}/journey-map?period=custom&from=2026-03-09&to=2026-03-15"`);
    expect(html).toContain(`href="${TEST_BASE_URL}/responses?period=custom&from=2026-03-09&to=2026-03-15&group=detractor"`);
    expect(html).toContain(`href="${TEST_BASE_URL}/follow-ups"`);
  });

  test('a verbatim carrying markup is escaped in the HTML and kept as typed in the text', () => {
    const { html, text } = to('sam@example.com')[0].parsed;
    expect(html).not.toContain('<script>alert(2)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>trễ</b>');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;Giao hàng &lt;b&gt;trễ&lt;/b&gt; &amp; &quot;sai&quot; &lt;script&gt;alert(2)&lt;/script&gt;');
    expect(text).toContain(XSS);
  });

  test('the trend chart is an inline PNG referenced by cid, with its figures also in a table', () => {
    const mail = to('sam@example.com')[0].parsed;
    const png = mail.attachments.find((a) => a.contentType === 'image/png');
    expect(png?.cid).toBe('digest-trend@touchpoint');
    expect(png?.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // mailparser resolves the cid: reference to the attachment, as a mail client does.
    expect(String(mail.html)).toContain(`src="data:image/png;base64,${png!.content.toString('base64')}"`);
    expect(String(mail.html)).toContain('12-week trend');
    expect(String(mail.html).match(/<tr>\s*<td style="padding:4px 6px 4px 0/g)).toHaveLength(12);
  });

  test('every email carries one-click unsubscribe (RFC 8058) and a Message-ID of its own delivery', async () => {
    for (const m of mails) {
      const [delivery] = await t.db.query(`SELECT id, token FROM digest_deliveries WHERE recipient = lower($1) AND period_key = $2`, [m.to[0], W.key]);
      const headers = m.raw.toString('utf8').split(/\r\n\r\n/)[0];
      expect(headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(headers).toContain(`List-Unsubscribe: <${TEST_BASE_URL}/digest/u/${delivery.token}>`);
      expect(String(m.parsed.html)).toContain(`${TEST_BASE_URL}/digest/u/${delivery.token}`);
      expect(m.parsed.messageId).toBe(`<digest.${delivery.id}@touchpoint.test>`);
    }
  });

  test('unsubscribing: a GET only asks; the one-click POST turns a user’s digest off, or removes an extra address from Settings', async () => {
    const token = async (address: string) => (await t.db.query(`SELECT token FROM digest_deliveries WHERE recipient = $1`, [address]))[0].token as string;
    const sam = await token('sam@example.com');
    const page = await request(t.app).get(`/digest/u/${sam}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Stop sending the Touchpoint score digest to sam@example.com?');
    expect((await t.db.query(`SELECT digest_frequency FROM users WHERE email = 'sam@example.com'`))[0].digest_frequency).toBe('weekly');
    const post = await request(t.app).post(`/digest/u/${sam}`).type('form').send('List-Unsubscribe=One-Click');
    expect(post.status).toBe(200);
    expect(post.text).toContain('Done: sam@example.com will not receive the Touchpoint score digest any more.');
    expect((await t.db.query(`SELECT digest_frequency FROM users WHERE email = 'sam@example.com'`))[0].digest_frequency).toBe('off');

    const ceo = await token('ceo@example.vn');
    expect((await request(t.app).post(`/digest/u/${ceo}`)).status).toBe(200);
    expect((await t.db.query(`SELECT digest_recipients FROM settings`))[0].digest_recipients).toEqual(['Lan@example.com']);
    expect((await request(t.app).get(`/digest/u/${ceo}`)).text).toContain('Đã xong');

    expect((await request(t.app).get('/digest/u/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await request(t.app).post('/digest/u/not-a-token')).status).toBe(404);
  });
});

describe('a period without answers', () => {
  test('gets a short “no new feedback” digest, never an empty table', async () => {
    const { figures, report } = await buildDigest(t.db, EMPTY);
    expect(report.responses).toBe(0);
    const content = renderDigestContent(figures, report, formatterFor('en', TZ), { baseUrl: TEST_BASE_URL, now: new Date() });
    expect(content.html.user).toContain('No new feedback in the week of 6 Apr 2026 – 12 Apr 2026.');
    expect(content.html.user).not.toContain('By stage');
    expect(content.html.user).not.toContain('12-week trend');
    expect(content.chartPng).toBeNull();
  });

  test('or none at all when Settings say so', async () => {
    await t.db.query(`UPDATE settings SET digest_skip_empty = true`);
    const before = smtp.accepted();
    const outcome = await dispatchDigest({ ...t, boss: jobs.boss }, EMPTY);
    expect(outcome.status).toBe('skipped_empty');
    expect(await t.db.query(`SELECT 1 FROM digest_deliveries WHERE period_key = $1`, [EMPTY.key])).toHaveLength(0);
    expect((await dispatchDigest({ ...t, boss: jobs.boss }, EMPTY)).status).toBe('already');
    expect(smtp.accepted()).toBe(before);
    await t.db.query(`UPDATE settings SET digest_skip_empty = false`);
  });
});

describe('pages', () => {
  test('each user picks weekly, daily or off on their profile', async () => {
    const viewer = await loginAs(t, 'viewer', { locale: 'en' });
    const page = await viewer.get('/profile/digest');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/value="weekly" checked/);
    const saved = await viewer.post('/profile/digest').type('form').send({ _csrf: viewer.csrf, frequency: 'daily' });
    expect(saved.status).toBe(303);
    expect((await t.db.query(`SELECT digest_frequency FROM users WHERE email = $1`, [viewer.email]))[0].digest_frequency).toBe('daily');
    const bad = await viewer.post('/profile/digest').type('form').send({ _csrf: viewer.csrf, frequency: 'hourly' });
    expect(bad.status).toBe(400);
    expect((await t.db.query(`SELECT digest_frequency FROM users WHERE email = $1`, [viewer.email]))[0].digest_frequency).toBe('daily');
  });

  test('admins preview the next digest in both languages, in a frame with its own policy', async () => {
    const admin = await loginAs(t, 'admin', { locale: 'en' });
    const page = await admin.get('/manage/digest');
    expect(page.status).toBe(200);
    expect(page.text.replaceAll('&#x3D;', '=')).toContain('src="/manage/digest/preview.html?lang=en&amp;kind=weekly"');
    const en = await admin.get('/manage/digest/preview.html?lang=en&kind=weekly');
    expect(en.status).toBe(200);
    expect(en.headers['content-security-policy']).toContain("default-src 'none'");
    expect(en.text).toContain('Weekly score digest');
    const vi = await admin.get('/manage/digest/preview.html?lang=vi&kind=daily');
    expect(vi.text).toContain('Báo cáo điểm hằng ngày');
    expect((await admin.get('/manage/digest/preview.html?lang=fr')).status).toBe(400);
    const viewer = await loginAs(t, 'viewer');
    expect((await viewer.get('/manage/digest')).status).toBe(403);
  });

  test('Settings keep the “skip empty periods” choice', async () => {
    const admin = await loginAs(t, 'admin', { locale: 'en' });
    const form = {
      _csrf: admin.csrf, brand: 'Touchpoint', time_zone: TZ, default_locale: 'vi', recontact_days: '30', reminder_days: '3',
      digest_weekday: '1', digest_hour: '8', digest_recipients: 'Lan@example.com',
    };
    expect((await admin.post('/manage/settings').type('form').send({ ...form, digest_skip_empty: '1' })).status).toBe(303);
    expect((await t.db.query(`SELECT digest_skip_empty FROM settings`))[0].digest_skip_empty).toBe(true);
    expect((await admin.get('/manage/settings')).text).toMatch(/name="digest_skip_empty" value="1" checked/);
    expect((await admin.post('/manage/settings').type('form').send(form)).status).toBe(303);
    expect((await t.db.query(`SELECT digest_skip_empty FROM settings`))[0].digest_skip_empty).toBe(false);
  });
});

