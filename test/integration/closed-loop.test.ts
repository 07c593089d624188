import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { answer, makeSurvey, makeUser } from '../helpers/factories';
import { startSmtpServer, type CapturedMail, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';
import { createWebhook } from '../../src/modules/webhooks/webhooks.service';
import { attemptWebhookDelivery } from '../../src/modules/webhooks';

/**
 * The closed loop end to end (issue 11): answers through the API, mail to a real SMTP server, webhooks to a
 * real HTTP receiver on loopback (WEBHOOK_ALLOW_PRIVATE=1). Workers poll fast, the grouping window is
 * seconds instead of minutes and webhook retries start at 1 s: the same code, shorter clocks.
 */

interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }

let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
let receiver: http.Server;
let base = '';
const received: Received[] = [];
const calls = new Map<string, number>();

/** /ok answers 204; /flaky 500 twice, then 200; /down always 503. */
function respond(path: string): number {
  const n = (calls.get(path) ?? 0) + 1;
  calls.set(path, n);
  if (path.startsWith('/flaky')) return n <= 2 ? 500 : 200;
  if (path.startsWith('/down')) return 503;
  return 204;
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: '1' });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = respond(req.url ?? '');
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  jobs = await startJobs(t, {
    delivery: { pollIntervalMs: 100 },
    closedLoop: {
      pollIntervalMs: 100,
      grouping: { gatherSeconds: 2, windowSeconds: 15 },
      webhookRetryDelaySeconds: 1,
      webhookRetryLimit: 3,
      webhooks: { disableAfterMs: 60_000 },
    },
  });
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await t.close();
  await smtp.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const api = () => ({
  post: (path: string, body: object) => request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`).send(body),
  get: (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`),
  delete: (path: string) => request(t.app).delete(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`),
});

const mailTo = (address: string): CapturedMail[] => smtp.messages.filter((m) => m.to.some((a) => a.toLowerCase() === address.toLowerCase()));
const followUpOf = async (responseId: string): Promise<string> => (await t.db.query(`SELECT id::text FROM follow_ups WHERE response_id = $1`, [responseId]))[0].id;
const outboxEmpty = async () => Number((await t.db.query(`SELECT count(*)::int AS n FROM event_outbox`))[0].n) === 0;
const itemsFor = async (address: string) =>
  (await t.db.query(`SELECT kind, response_id::text AS "responseId" FROM alert_items WHERE lower(recipient) = lower($1) ORDER BY id`, [address])) as Array<{ kind: string; responseId: string }>;

/** Standard Webhooks verification, written here from the specification (not with the app's signer). */
function verifyStandardWebhook(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(secret.split('_')[1], 'base64');
  const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature']).split(' ').some((sig) => {
    const [version, value] = sig.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

describe('detractor alerts', () => {
  test('a detractor emails the touchpoint owner in their language, escaped; a promoter and a detractor-to-detractor change send nothing', async () => {
    const owner = await makeUser(t, 'editor', { email: 'owner-en@example.com', locale: 'en', name: 'Owner' });
    const survey = await makeSurvey(t, { touchpoint: { ownerEmail: owner, name: { vi: 'Cửa hàng Quận 1', en: 'District 1 store' } } });
    await answer(t, survey.id, { score: 10, comment: 'Great' });
    const xss = '<script>alert("x")</script> <img src=x onerror=alert(1)> & "quotes"';
    const bad = await answer(t, survey.id, { score: 2, comment: xss, email: 'lan.tran@example.com' });
    const [mail] = await eventually(() => { const m = mailTo(owner); return m.length > 0 && m; }, { timeoutMs: 30_000, what: 'the alert email' });
    const followUp = await followUpOf(bad.id);
    expect(mail.parsed.subject).toContain('Detractor: 2/10 (NPS) at District 1 store');
    const html = String(mail.parsed.html);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('lan.tran@example.com');
    expect(html).toContain(`${t.config.baseUrl}/follow-ups/${followUp}`);
    expect(mail.parsed.text).toContain(xss);
    expect(mail.parsed.text).toContain(`Open the follow-up: ${t.config.baseUrl}/follow-ups/${followUp}`);
    expect(mail.parsed.text).toContain('Touchpoint: District 1 store · Decision');
    // The promoter was dispatched before the detractor: one item only, for the detractor.
    expect(await itemsFor(owner)).toEqual([{ kind: 'detractor', responseId: bad.id }]);

    // Answering again 2 → 1 (the same answer, still a detractor): a response.updated event, no new alert.
    await t.db.query(`UPDATE responses SET score = 1 WHERE id = $1`, [bad.id]);
    // The outbox row is deleted in the transaction that handles it: empty means handled.
    await eventually(outboxEmpty);
    expect(await itemsFor(owner)).toHaveLength(1);
    // A promoter turning into a detractor is a new detractor.
    const promoter = await answer(t, survey.id, { score: 9 });
    await t.db.query(`UPDATE responses SET score = 0 WHERE id = $1`, [promoter.id]);
    await eventually(outboxEmpty);
    await eventually(async () => (await itemsFor(owner)).length === 2, { what: 'the second alert item' });
    expect((await itemsFor(owner))[1]).toEqual({ kind: 'detractor', responseId: promoter.id });
  });

  test('the Vietnamese owner reads it in Vietnamese', async () => {
    const owner = await makeUser(t, 'editor', { email: 'owner-vi@example.com', locale: 'vi' });
    const survey = await makeSurvey(t, { kind: 'csat', touchpoint: { ownerEmail: owner, name: { vi: 'Tổng đài', en: 'Call centre' } } });
    await answer(t, survey.id, { score: 1, comment: 'Chờ máy quá lâu' });
    const [mail] = await eventually(() => { const m = mailTo(owner); return m.length > 0 && m; }, { timeoutMs: 30_000 });
    expect(mail.parsed.subject).toContain('Phản hồi tiêu cực: 1/5 (CSAT) tại Tổng đài');
    expect(mail.parsed.text).toContain('Góp ý: Chờ máy quá lâu');
    expect(mail.parsed.text).toContain('Mở mục theo dõi');
    expect(String(mail.parsed.html)).toContain('lang="vi"');
  });

  test('a burst at one touchpoint is grouped: at most two emails for twenty detractors', async () => {
    const owner = await makeUser(t, 'editor', { email: 'store-manager@example.com', locale: 'en' });
    const survey = await makeSurvey(t, { touchpoint: { ownerEmail: owner } });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await answer(t, survey.id, { score: i % 7, comment: `Bad visit ${i}` })).id);
    await eventually(async () => {
      const sent: Array<{ n: number }> = await t.db.query(
        `SELECT count(*)::int AS n FROM alert_items i JOIN alert_emails e ON e.id = i.email_id WHERE e.recipient = $1 AND e.status = 'sent'`, [owner]);
      return sent[0].n === 20;
    }, { timeoutMs: 60_000, what: 'all twenty answers told' });
    const toldIn = (mails: CapturedMail[]) => mails.flatMap((m) => [...String(m.parsed.text).matchAll(/Open the follow-up: \S+\/follow-ups\/(\d+)/g)].map((x) => x[1]));
    // The server accepted them; they are parsed as they arrive.
    const mails = await eventually(() => { const m = mailTo(owner); return toldIn(m).length === 20 && m; });
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(mails.length).toBeLessThanOrEqual(2);
    const told = toldIn(mails);
    expect(told.sort()).toEqual((await Promise.all(ids.map(followUpOf))).sort());
  });

  test('without an owner the alert goes to the Settings addresses, else to the admins who want alerts', async () => {
    const quietAdmin = await makeUser(t, 'admin', { email: 'quiet-admin@example.com', locale: 'en' });
    await t.db.query(`UPDATE users SET alert_emails = false WHERE email = $1`, [quietAdmin]);
    const admin = await makeUser(t, 'admin', { email: 'cx-admin@example.com', locale: 'vi' });
    await t.db.query(`UPDATE settings SET alert_recipients = ARRAY['CX-Team@example.com', $1]`, [admin]);
    const stageSurvey = await makeSurvey(t, { kind: 'ces', stageKey: 'retention' });
    await answer(t, stageSurvey.id, { score: 2, comment: 'Hard to find the form' });
    const [team] = await eventually(() => { const m = mailTo('cx-team@example.com'); return m.length > 0 && m; }, { timeoutMs: 30_000 });
    // An address that is nobody's account reads the organisation's language (Vietnamese here).
    expect(team.parsed.text).toContain('Điểm chạm: Giữ chân');
    await eventually(() => mailTo(admin).length === 1, { timeoutMs: 30_000 });

    // No Settings addresses: the admins, except one who turned alerts off.
    await t.db.query(`UPDATE settings SET alert_recipients = '{}'`);
    const journeySurvey = await makeSurvey(t, {});
    const r = await answer(t, journeySurvey.id, { score: 0 });
    await eventually(async () => (await itemsFor(admin)).some((i) => i.responseId === r.id), { timeoutMs: 30_000 });
    expect((await itemsFor(quietAdmin))).toEqual([]);
  });

  test('assigning a follow-up emails the assignee; an owner who turned alerts off gets nothing', async () => {
    const owner = await makeUser(t, 'editor', { email: 'off-owner@example.com', locale: 'en' });
    await t.db.query(`UPDATE users SET alert_emails = false WHERE email = $1`, [owner]);
    const survey = await makeSurvey(t, { touchpoint: { ownerEmail: owner } });
    const r = await answer(t, survey.id, { score: 4, comment: 'Late delivery', email: 'minh@example.com' });
    const assignee = await makeUser(t, 'editor', { email: 'helper@example.com', locale: 'en' });
    const followUp = await followUpOf(r.id);
    await t.db.query(`UPDATE follow_ups SET assignee_user_id = (SELECT id FROM users WHERE email = $2) WHERE id = $1`, [followUp, assignee]);
    const [mail] = await eventually(() => { const m = mailTo(assignee); return m.length > 0 && m; }, { timeoutMs: 30_000 });
    expect(mail.parsed.subject).toContain('A follow-up was assigned to you');
    expect(mail.parsed.text).toContain(`/follow-ups/${followUp}`);
    expect(mail.parsed.text).toContain('minh@example.com');
    expect(await itemsFor(owner)).toEqual([]);
  });
});

describe('webhooks', () => {
  test('API: create (secret once), list without it, delete; events are signed after Standard Webhooks', async () => {
    const created = await api().post('/webhooks', { url: `${base}/ok`, events: ['response.created', 'followup.created'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await api().get('/webhooks');
    expect(listed.body.items.find((w: { id: string }) => w.id === created.body.id)).toMatchObject({ url: `${base}/ok`, enabled: true });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    const survey = await makeSurvey(t, { touchpoint: {} });
    const r = await answer(t, survey.id, { score: 3, comment: 'Slow', email: 'hook@example.com', hidden: { order: 'A-17' } });
    const hits = await eventually(() => {
      const h = received.filter((x) => x.path === '/ok' && JSON.parse(x.body).data.response.id === r.id);
      return h.length === 2 && h;
    }, { timeoutMs: 30_000, what: 'response.created and followup.created at the receiver' });
    for (const hit of hits) {
      expect(verifyStandardWebhook(created.body.secret, hit.headers, hit.body)).toBe(true);
      expect(verifyStandardWebhook(created.body.secret, hit.headers, hit.body.replace('Slow', 'Fast'))).toBe(false);
      expect(Math.abs(Number(hit.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(hit.headers['content-type']).toBe('application/json');
      expect(JSON.parse(hit.body).id).toBe(hit.headers['webhook-id']);
    }
    const payload = JSON.parse(hits.find((h) => JSON.parse(h.body).type === 'response.created')!.body);
    expect(payload).toMatchObject({
      type: 'response.created',
      data: {
        response: {
          id: r.id, surveyId: survey.id, kind: 'nps', score: 3, group: 'detractor', comment: 'Slow', channel: 'api',
          touchpointKey: survey.touchpointKey, stageKey: 'decision', contactEmail: 'hook@example.com', hidden: { order: 'A-17' },
        },
      },
    });
    expect(new Date(payload.timestamp).toString()).not.toBe('Invalid Date');
    const fu = JSON.parse(hits.find((h) => JSON.parse(h.body).type === 'followup.created')!.body);
    expect(fu.data.followUp).toMatchObject({ id: await followUpOf(r.id), status: 'open' });

    // Closing the follow-up is an event too, for a webhook that asked for it.
    const closer = await api().post('/webhooks', { url: `${base}/ok-closed`, events: ['followup.closed'] });
    await t.db.query(`UPDATE follow_ups SET status = 'closed', closed_at = now() WHERE response_id = $1`, [r.id]);
    const closed = await eventually(() => received.find((x) => x.path === '/ok-closed'), { timeoutMs: 30_000 });
    expect(JSON.parse(closed.body)).toMatchObject({ type: 'followup.closed', data: { followUp: { status: 'closed' } } });
    expect(verifyStandardWebhook(closer.body.secret, closed.headers, closed.body)).toBe(true);

    expect((await api().delete(`/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await api().delete(`/webhooks/${created.body.id}`)).status).toBe(404);
    await api().delete(`/webhooks/${closer.body.id}`);
  });

  test('a receiver that fails twice and then succeeds gets the event exactly once more, with the same id', async () => {
    const hook = await api().post('/webhooks', { url: `${base}/flaky`, events: ['response.created'] });
    const survey = await makeSurvey(t, {});
    await answer(t, survey.id, { score: 8 });
    const delivery = await eventually(async () => {
      const [d] = await t.db.query(`SELECT status, attempts, response_code AS code FROM webhook_deliveries WHERE webhook_id = $1`, [hook.body.id]);
      return d?.status === 'succeeded' && d;
    }, { timeoutMs: 45_000, what: 'the delivery to succeed' });
    expect(delivery).toMatchObject({ attempts: 3, code: 200 });
    // The worker records the delivery first and hands its job back to pg-boss after: wait until the job has left 'active'.
    const state = await eventually(async () => {
      const [job] = await t.db.query(`SELECT state FROM pgboss.job WHERE name = 'webhook-delivery' AND data->>'deliveryId' = (SELECT id::text FROM webhook_deliveries WHERE webhook_id = $1)`, [hook.body.id]);
      return job && job.state !== 'active' && (job.state as string);
    }, { what: 'the delivery job to be handed back', timeoutMs: 20_000 });
    expect(state).toBe('completed');
    const hits = received.filter((x) => x.path === '/flaky');
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    await api().delete(`/webhooks/${hook.body.id}`);
  });

  test('a receiver that always fails ends up disabled, and the admins are told', async () => {
    const admin = await makeUser(t, 'admin', { email: 'hook-admin@example.com', locale: 'en' });
    const hook = await api().post('/webhooks', { url: `${base}/down`, events: ['response.created'] });
    const survey = await makeSurvey(t, {});
    await answer(t, survey.id, { score: 9 });
    const [notice] = await eventually(() => { const m = mailTo(admin).filter((x) => String(x.parsed.subject).includes('webhook was disabled')); return m.length > 0 && m; },
      { timeoutMs: 60_000, what: 'the disabled notice' });
    expect(notice.parsed.text).toContain(`${base}/down`);
    expect(notice.parsed.text).toContain(`/manage/webhooks/${hook.body.id}`);
    const [row] = (await api().get('/webhooks')).body.items.filter((w: { id: string }) => w.id === hook.body.id);
    expect(row).toMatchObject({ enabled: false });
    expect(row.disabledReason).toContain('HTTP 503');
    // A disabled webhook gets no new events.
    await answer(t, survey.id, { score: 9 });
    await eventually(outboxEmpty);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1`, [hook.body.id]);
    expect(n).toBe(1);
  });

  test('private addresses are refused without WEBHOOK_ALLOW_PRIVATE, when saved and again at delivery', async () => {
    const strict = { webhookAllowPrivate: false };
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:a9fe:a9fe]/x',
      'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://192.168.0.10/', 'http://172.20.0.1/', 'http://0.0.0.0/', 'http://[fd00:ec2::254]/',
      'http://[fe80::1]/', 'http://2130706433/', 'http://0x7f.1/']) {
      await expect(createWebhook(t.db, strict, { url, events: ['response.created'] }, null)).rejects.toMatchObject({ kind: 'invalid', options: { code: 'webhook_url_private' } });
    }
    await expect(createWebhook(t.db, strict, { url: 'ftp://example.com/', events: ['response.created'] }, null)).rejects.toMatchObject({ options: { code: 'webhook_url_scheme' } });
    // The API says so in a 400 (this app allows private targets, so ask the service as an app without the setting would).
    const refused = await request(t.app).post('/api/v1/webhooks').set('Authorization', `Bearer ${t.apiKey}`).send({ url: 'gopher://example.com/', events: ['response.created'] });
    expect(refused.status).toBe(400);

    // DNS rebinding: the name was public when saved, and points at loopback when delivering.
    let answerWith = '93.184.215.14';
    const resolve = async () => [{ address: answerWith, family: 4 }];
    const { webhook } = await createWebhook(t.db, strict, { url: `http://hooks.example.test:${new URL(base).port}/rebound`, events: ['response.created'] }, null, resolve);
    const [{ id }] = await t.db.query(`INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body) VALUES ($1, 'evt_rebind', 'response.created', '{}') RETURNING id`, [webhook.id]);
    answerWith = '127.0.0.1';
    await attemptWebhookDelivery(t.db, strict, id, false, { disableAfterMs: 60_000, timeoutMs: 2000, resolve });
    const [d] = await t.db.query(`SELECT status, error FROM webhook_deliveries WHERE id = $1`, [id]);
    expect(d.status).toBe('retrying');
    expect(d.error).toContain('private');
    expect(received.some((x) => x.path === '/rebound')).toBe(false);
    await t.db.query(`DELETE FROM webhooks WHERE id = $1`, [webhook.id]);
  });

  test('the API refuses bad bodies with a clear 400 and stores nothing', async () => {
    const before = (await api().get('/webhooks')).body.items.length;
    for (const body of [{ url: `${base}/ok` }, { url: `${base}/ok`, events: [] }, { url: `${base}/ok`, events: ['response.deleted'] },
      { url: 'not a url', events: ['response.created'] }, { url: `${base}/ok`, events: ['response.created'], secret: 'mine' }]) {
      const res = await api().post('/webhooks', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api().get('/webhooks')).body.items.length).toBe(before);
  });
});
