import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { queueDueReminders, QUEUES, recoverAbandonedJobs, recoverExpiredClaims, startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { newInvitationToken } from '../../src/modules/invitations/invitation-token';

let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
let seq = 0;
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url });
  jobs = await startJobs({ ...t, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') },
    { delivery: { pollIntervalMs: 100, probeEveryMs: 200 }, retryDelaySeconds: 1 });
});

afterAll(async () => {
  await jobs.stop();
  await t.close();
  await smtp.close();
});

afterEach(() => smtp.reject(null));

async function makeSurvey(extra: Record<string, unknown> = {}) {
  const res = await request(t.app).post('/api/v1/surveys').set(api()).send({ kind: 'nps', title: `delivery ${++seq}`, ...extra });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function invite(surveyId: string, contacts: Array<{ email: string; locale?: 'vi' | 'en' }>) {
  const res = await request(t.app).post(`/api/v1/surveys/${surveyId}/invitations`).set(api()).send({ contacts });
  expect(res.body).toEqual({ queued: contacts.length, skipped: [] });
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));
const stateOf = async (email: string) => (await t.db.query(
  `SELECT i.id, i.token, i.status, i.error, i.attempts, i.sent_at, i.reminded_at
   FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = $1 ORDER BY i.created_at DESC LIMIT 1`, [email]))[0];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durable delivery', () => {
  test('while the SMTP server is down mail waits; when it comes back, every message goes out once', async () => {
    const survey = await makeSurvey();
    await smtp.stop();
    const before = smtp.accepted();
    const people = ['down1@example.com', 'down2@example.com', 'down3@example.com'];
    await invite(survey, people.map((email) => ({ email })));
    // The worker tried, failed, and keeps the mail queued with the reason.
    await until('a failed attempt', async () => {
      const s = await stateOf('down1@example.com');
      return s.attempts >= 1 && s.status === 'queued' && s.error;
    });
    await pause(1500);
    expect(smtp.accepted()).toBe(before);
    for (const p of people) expect((await stateOf(p)).status).toBe('queued');

    await smtp.start();
    await until('all three delivered', async () => people.every((p) => mailsTo(p).length === 1));
    await until('all three recorded as sent', async () => (await Promise.all(people.map(stateOf))).every((s) => s.status === 'sent'));
    for (const p of people) expect(await stateOf(p)).toMatchObject({ status: 'sent', error: null });
    await pause(500);
    for (const p of people) expect(mailsTo(p)).toHaveLength(1);
  });

  test('a permanent rejection (5xx) fails the invitation with the server\'s reason; the others are sent', async () => {
    smtp.reject({ when: (a) => a.startsWith('bounce'), code: 550, message: '5.1.1 No such user here' });
    const survey = await makeSurvey();
    await invite(survey, [{ email: 'bounce@example.com' }, { email: 'fine@example.com' }]);
    await until('fine delivered', async () => mailsTo('fine@example.com').length === 1);
    const failed = await until('bounce failed', async () => {
      const s = await stateOf('bounce@example.com');
      return s.status === 'failed' && s;
    });
    expect(failed.error).toContain('550');
    expect(failed.error).toContain('No such user here');
    expect(failed.attempts).toBe(1);
    expect(failed.sent_at).toBeNull();
    expect(mailsTo('bounce@example.com')).toHaveLength(0);
  });

  test('a transient rejection (4xx) is retried with backoff and then delivered', async () => {
    let refusals = 0;
    smtp.reject({ when: (a) => a === 'grey@example.com' && refusals++ === 0, code: 451, message: '4.7.1 Greylisted, try again later' });
    const survey = await makeSurvey();
    await invite(survey, [{ email: 'grey@example.com' }]);
    await until('delivered after a retry', async () => mailsTo('grey@example.com').length === 1);
    await until('recorded as sent', async () => (await stateOf('grey@example.com')).status === 'sent');
    expect(await stateOf('grey@example.com')).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  test('a duplicate job never sends an invitation twice', async () => {
    const survey = await makeSurvey();
    await invite(survey, [{ email: 'once@example.com' }]);
    await until('delivered', async () => mailsTo('once@example.com').length === 1);
    const { id } = await stateOf('once@example.com');
    await jobs.boss.send(QUEUES.invitationEmail, { invitationId: id });
    await jobs.boss.send(QUEUES.invitationEmail, { invitationId: id });
    await until('both jobs done', async () => Number((await t.db.query(
      `SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'invitationId' = $2 AND state = 'completed'`, [QUEUES.invitationEmail, id]))[0].n) === 3);
    expect(mailsTo('once@example.com')).toHaveLength(1);
  });

  test('a claim left by a dead worker expires and its invitation is sent', async () => {
    const survey = await makeSurvey();
    const [c] = await t.db.query(`INSERT INTO contacts (email) VALUES ('orphan@example.com') RETURNING id`);
    // As a worker killed mid-send leaves it: claimed, lease over, its job lost.
    await t.db.query(`INSERT INTO invitations (survey_id, contact_id, token, status, attempts, claimed_until)
      VALUES ($1, $2, $3, 'sending', 1, now() - interval '1 second')`, [survey, c.id, newInvitationToken()]);
    expect(await recoverExpiredClaims(t.db, jobs.boss)).toBe(1);
    await until('delivered', async () => mailsTo('orphan@example.com').length === 1);
    await until('recorded as sent', async () => (await stateOf('orphan@example.com')).status === 'sent');
    expect(await stateOf('orphan@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await recoverExpiredClaims(t.db, jobs.boss)).toBe(0);
  });

  test('a job a dead worker fetched but never claimed is handed back, and its invitation is sent', async () => {
    const survey = await makeSurvey();
    const [c] = await t.db.query(`INSERT INTO contacts (email) VALUES ('fetched@example.com') RETURNING id`);
    const [inv] = await t.db.query(`INSERT INTO invitations (survey_id, contact_id, token, status) VALUES ($1, $2, $3, 'queued') RETURNING id`,
      [survey, c.id, newInvitationToken()]);
    // As a worker killed between fetch and claim leaves it: the job active for a while, the invitation still queued.
    const jobId = await jobs.boss.send(QUEUES.invitationEmail, { invitationId: inv.id }, { startAfter: 3600 });
    await t.db.query(`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '5 minutes', start_after = now() WHERE id = $1`, [jobId]);
    expect(await recoverAbandonedJobs(t.db, jobs.boss, 30)).toBe(1);
    await until('delivered', async () => mailsTo('fetched@example.com').length === 1);
    await until('recorded as sent', async () => (await stateOf('fetched@example.com')).status === 'sent');
    expect(await stateOf('fetched@example.com')).toMatchObject({ status: 'sent' });
    expect(await recoverAbandonedJobs(t.db, jobs.boss, 30)).toBe(0);
  });

  test('mail to a contact who unsubscribed after it was queued is cancelled, not sent', async () => {
    const survey = await makeSurvey();
    await smtp.stop();
    await invite(survey, [{ email: 'changed-mind@example.com' }]);
    const queued = await until('a failed attempt', async () => {
      const s = await stateOf('changed-mind@example.com');
      return s.attempts >= 1 && s.status === 'queued' && s;
    });
    expect((await request(t.app).post(`/u/${queued.token}`).type('form').send('List-Unsubscribe=One-Click')).status).toBe(200);
    await smtp.start();
    const cancelled = await until('cancelled', async () => {
      const s = await stateOf('changed-mind@example.com');
      return s.status === 'cancelled' && s;
    });
    expect(cancelled.error).toContain('unsubscribed');
    expect(mailsTo('changed-mind@example.com')).toHaveLength(0);
  });
});

describe('reminders', () => {
  async function sentInvitation(surveyId: string, email: string, opts: { daysAgo: number; locale?: 'vi' | 'en'; unsubscribed?: boolean }) {
    const [c] = await t.db.query(`INSERT INTO contacts (email, locale, unsubscribed_at) VALUES ($1, $2, CASE WHEN $3 THEN now() END) RETURNING id`,
      [email, opts.locale ?? 'en', opts.unsubscribed ?? false]);
    const token = newInvitationToken();
    await t.db.query(`INSERT INTO invitations (survey_id, contact_id, token, status, attempts, created_at, sent_at)
      VALUES ($1, $2, $3, 'sent', 1, now() - $4 * interval '1 day', now() - $4 * interval '1 day')`, [surveyId, c.id, token, opts.daysAgo]);
    return token;
  }

  test('one reminder after reminder_days, only to those who have not answered and are still subscribed — never a second', async () => {
    const survey = await makeSurvey();
    const closed = await makeSurvey({ status: 'closed' });
    const silentToken = await sentInvitation(survey, 'silent@example.com', { daysAgo: 4, locale: 'en' });
    await sentInvitation(survey, 'silent-vi@example.com', { daysAgo: 3.5, locale: 'vi' });
    const answeredToken = await sentInvitation(survey, 'answered@example.com', { daysAgo: 4 });
    await sentInvitation(survey, 'left@example.com', { daysAgo: 4, unsubscribed: true });
    await sentInvitation(survey, 'fresh@example.com', { daysAgo: 1 });
    await sentInvitation(closed, 'closed@example.com', { daysAgo: 4 });
    await sentInvitation(survey, 'ancient@example.com', { daysAgo: 60 });
    expect((await request(t.app).post(`/i/${answeredToken}`).type('form').send({ score: '10' })).status).toBe(303);

    // The scheduled job (pg-boss) runs the scan.
    await jobs.boss.send(QUEUES.invitationReminders, {});
    await until('two reminders', async () => mailsTo('silent@example.com').length === 1 && mailsTo('silent-vi@example.com').length === 1);
    const en = mailsTo('silent@example.com')[0];
    expect(en.parsed.subject).toBe('Reminder: Touchpoint would like your feedback');
    expect(String(en.parsed.html)).toContain('We have not heard from you yet');
    expect(String(en.parsed.html)).toContain(`${TEST_BASE_URL}/i/${silentToken}?score&#x3D;10`);
    const silent = await stateOf('silent@example.com');
    expect(en.parsed.messageId).toBe(`<reminder.${silent.id}@touchpoint.test>`);
    expect(silent.reminded_at).not.toBeNull();
    expect(mailsTo('silent-vi@example.com')[0].parsed.subject).toBe('Nhắc nhẹ: Touchpoint muốn nghe ý kiến của bạn');

    // Run again, twice: nothing more to remind.
    expect(await queueDueReminders(t.db, jobs.boss)).toBe(0);
    await t.db.query(`UPDATE invitations SET sent_at = sent_at - interval '1 day'`);
    expect(await queueDueReminders(t.db, jobs.boss)).toBe(0);
    await pause(800);
    expect(mailsTo('silent@example.com')).toHaveLength(1);
    for (const nobody of ['answered@example.com', 'left@example.com', 'fresh@example.com', 'closed@example.com', 'ancient@example.com']) {
      expect({ nobody, mails: mailsTo(nobody).length }).toEqual({ nobody, mails: 0 });
    }
  });

  test('reminder_days = 0 switches reminders off', async () => {
    const survey = await makeSurvey();
    await sentInvitation(survey, 'off@example.com', { daysAgo: 5 });
    await t.db.query(`UPDATE settings SET reminder_days = 0`);
    try {
      expect(await queueDueReminders(t.db, jobs.boss)).toBe(0);
    } finally {
      await t.db.query(`UPDATE settings SET reminder_days = 3`);
    }
    expect(await queueDueReminders(t.db, jobs.boss)).toBe(1);
  });
});
