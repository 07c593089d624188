import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeInvitedContact, makeSurvey } from '../helpers/factories';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { queueDueReminders, QUEUES, recoverAbandonedJobs, recoverExpiredClaims, startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';

let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
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

async function invite(surveyId: string, contacts: Array<{ email: string; locale?: 'vi' | 'en' }>) {
  const res = await request(t.app).post(`/api/v1/surveys/${surveyId}/invitations`).set(api()).send({ contacts });
  expect(res.body).toEqual({ queued: contacts.length, skipped: [] });
}

const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));
const stateOf = async (email: string) => (await t.db.query(
  `SELECT i.id, i.token, i.status, i.error, i.attempts, i.sent_at, i.reminded_at
   FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = $1 ORDER BY i.created_at DESC LIMIT 1`, [email]))[0];
/** The pg-boss states of the email jobs of the invitations of these contacts. */
const jobStatesOf = async (emails: string[]): Promise<string[]> => (await t.db.query(
  `SELECT j.state FROM pgboss.job j JOIN invitations i ON i.id = (j.data->>'invitationId')::uuid JOIN contacts c ON c.id = i.contact_id
   WHERE j.name = $1 AND c.email = ANY($2) ORDER BY j.created_on`, [QUEUES.invitationEmail, emails])).map((r: { state: string }) => r.state);

/**
 * Nothing more can be sent: every email job and reminder scan has run to its end (no job waiting, due
 * for a retry or running) and every message the server accepted has been parsed. What was not sent by
 * then never will be.
 */
async function settled(): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`,
      [[QUEUES.invitationEmail, QUEUES.invitationReminders]]);
    return n === 0 && smtp.messages.length === smtp.accepted();
  }, { what: 'every email job to end and every accepted message to be parsed', timeoutMs: 20_000 });
}

describe('durable delivery', () => {
  test('while the SMTP server is down mail waits; when it comes back, every message goes out once', async () => {
    const survey = (await makeSurvey(t)).id;
    await smtp.stop();
    const before = smtp.accepted();
    const people = ['down1@example.com', 'down2@example.com', 'down3@example.com'];
    await invite(survey, people.map((email) => ({ email })));
    // The worker took every one, failed, and handed each job back to pg-boss for a retry: its decision is made.
    await eventually(async () => {
      const states = await jobStatesOf(people);
      return states.length === people.length && states.every((s) => s === 'retry');
    }, { what: 'every job handed back for a retry', timeoutMs: 20_000 });
    // It keeps the mail queued with the reason; it neither failed it for good nor sent it.
    expect(smtp.accepted()).toBe(before);
    for (const p of people) expect(await stateOf(p)).toMatchObject({ status: 'queued', error: expect.stringMatching(/\S/) });

    await smtp.start();
    await eventually(async () => people.every((p) => mailsTo(p).length === 1), { what: 'all three delivered', timeoutMs: 20_000 });
    await eventually(async () => (await Promise.all(people.map(stateOf))).every((s) => s.status === 'sent'), { what: 'all three recorded as sent', timeoutMs: 20_000 });
    for (const p of people) expect(await stateOf(p)).toMatchObject({ status: 'sent', error: null });
    // Once every job has ended no message can follow: still one each.
    await settled();
    for (const p of people) expect(mailsTo(p)).toHaveLength(1);
  });

  test('a permanent rejection (5xx) fails the invitation with the server\'s reason; the others are sent', async () => {
    smtp.reject({ when: (a) => a.startsWith('bounce'), code: 550, message: '5.1.1 No such user here' });
    const survey = (await makeSurvey(t)).id;
    await invite(survey, [{ email: 'bounce@example.com' }, { email: 'fine@example.com' }]);
    await eventually(async () => mailsTo('fine@example.com').length === 1, { what: 'fine delivered', timeoutMs: 20_000 });
    const failed = await eventually(async () => {
      const s = await stateOf('bounce@example.com');
      return s.status === 'failed' && s;
    }, { what: 'bounce failed', timeoutMs: 20_000 });
    await settled();
    expect(failed.error).toContain('550');
    expect(failed.error).toContain('No such user here');
    expect(failed.attempts).toBe(1);
    expect(failed.sent_at).toBeNull();
    expect(mailsTo('bounce@example.com')).toHaveLength(0);
  });

  test('a transient rejection (4xx) is retried with backoff and then delivered', async () => {
    let refusals = 0;
    smtp.reject({ when: (a) => a === 'grey@example.com' && refusals++ === 0, code: 451, message: '4.7.1 Greylisted, try again later' });
    const survey = (await makeSurvey(t)).id;
    await invite(survey, [{ email: 'grey@example.com' }]);
    await eventually(async () => mailsTo('grey@example.com').length === 1, { what: 'delivered after a retry', timeoutMs: 20_000 });
    await eventually(async () => (await stateOf('grey@example.com')).status === 'sent', { what: 'recorded as sent', timeoutMs: 20_000 });
    expect(await stateOf('grey@example.com')).toMatchObject({ status: 'sent', attempts: 2, error: null });
  });

  test('a duplicate job never sends an invitation twice', async () => {
    const survey = (await makeSurvey(t)).id;
    await invite(survey, [{ email: 'once@example.com' }]);
    await eventually(async () => mailsTo('once@example.com').length === 1, { what: 'delivered', timeoutMs: 20_000 });
    const { id } = await stateOf('once@example.com');
    await jobs.boss.send(QUEUES.invitationEmail, { invitationId: id });
    await jobs.boss.send(QUEUES.invitationEmail, { invitationId: id });
    await eventually(async () => Number((await t.db.query(
      `SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'invitationId' = $2 AND state = 'completed'`, [QUEUES.invitationEmail, id]))[0].n) === 3, { what: 'both jobs done', timeoutMs: 20_000 });
    await settled();
    expect(mailsTo('once@example.com')).toHaveLength(1);
  });

  test('a claim left by a dead worker expires and its invitation is sent', async () => {
    const survey = (await makeSurvey(t)).id;
    // As a worker killed mid-send leaves it: claimed, lease over, its job lost.
    const { id } = await makeInvitedContact(t, survey, { email: 'orphan@example.com', status: 'sending', attempts: 1 });
    await t.db.query(`UPDATE invitations SET claimed_until = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await recoverExpiredClaims(t.db, jobs.boss)).toBe(1);
    await eventually(async () => mailsTo('orphan@example.com').length === 1, { what: 'delivered', timeoutMs: 20_000 });
    await eventually(async () => (await stateOf('orphan@example.com')).status === 'sent', { what: 'recorded as sent', timeoutMs: 20_000 });
    expect(await stateOf('orphan@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await recoverExpiredClaims(t.db, jobs.boss)).toBe(0);
  });

  test('a job a dead worker fetched but never claimed is handed back, and its invitation is sent', async () => {
    const survey = (await makeSurvey(t)).id;
    const inv = await makeInvitedContact(t, survey, { email: 'fetched@example.com', status: 'queued' });
    // As a worker killed between fetch and claim leaves it: the job active for a while, the invitation still queued.
    const jobId = await jobs.boss.send(QUEUES.invitationEmail, { invitationId: inv.id }, { startAfter: 3600 });
    await t.db.query(`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '5 minutes', start_after = now() WHERE id = $1`, [jobId]);
    expect(await recoverAbandonedJobs(t.db, jobs.boss, 30)).toBe(1);
    await eventually(async () => mailsTo('fetched@example.com').length === 1, { what: 'delivered', timeoutMs: 20_000 });
    await eventually(async () => (await stateOf('fetched@example.com')).status === 'sent', { what: 'recorded as sent', timeoutMs: 20_000 });
    expect(await stateOf('fetched@example.com')).toMatchObject({ status: 'sent' });
    expect(await recoverAbandonedJobs(t.db, jobs.boss, 30)).toBe(0);
  });

  test('mail to a contact who unsubscribed after it was queued is cancelled, not sent', async () => {
    const survey = (await makeSurvey(t)).id;
    await smtp.stop();
    await invite(survey, [{ email: 'changed-mind@example.com' }]);
    const queued = await eventually(async () => {
      const s = await stateOf('changed-mind@example.com');
      return s.attempts >= 1 && s.status === 'queued' && s;
    }, { what: 'a failed attempt', timeoutMs: 20_000 });
    expect((await request(t.app).post(`/u/${queued.token}`).type('form').send('List-Unsubscribe=One-Click')).status).toBe(200);
    await smtp.start();
    const cancelled = await eventually(async () => {
      const s = await stateOf('changed-mind@example.com');
      return s.status === 'cancelled' && s;
    }, { what: 'cancelled', timeoutMs: 20_000 });
    expect(cancelled.error).toContain('unsubscribed');
    await settled();
    expect(mailsTo('changed-mind@example.com')).toHaveLength(0);
  });
});

describe('reminders', () => {
  test('one reminder after reminder_days, only to those who have not answered and are still subscribed — never a second', async () => {
    const survey = (await makeSurvey(t)).id;
    const closed = (await makeSurvey(t, { status: 'closed' })).id;
    const silentToken = (await makeInvitedContact(t, survey, { email: 'silent@example.com', daysAgo: 4, locale: 'en', attempts: 1 })).token;
    await makeInvitedContact(t, survey, { email: 'silent-vi@example.com', daysAgo: 3.5, locale: 'vi', attempts: 1 });
    const answeredToken = (await makeInvitedContact(t, survey, { email: 'answered@example.com', daysAgo: 4, locale: 'en', attempts: 1 })).token;
    await makeInvitedContact(t, survey, { email: 'left@example.com', daysAgo: 4, unsubscribed: true, locale: 'en', attempts: 1 });
    await makeInvitedContact(t, survey, { email: 'fresh@example.com', daysAgo: 1, locale: 'en', attempts: 1 });
    await makeInvitedContact(t, closed, { email: 'closed@example.com', daysAgo: 4, locale: 'en', attempts: 1 });
    await makeInvitedContact(t, survey, { email: 'ancient@example.com', daysAgo: 60, locale: 'en', attempts: 1 });
    expect((await request(t.app).post(`/i/${answeredToken}`).type('form').send({ score: '10' })).status).toBe(303);

    // The scheduled job (pg-boss) runs the scan.
    await jobs.boss.send(QUEUES.invitationReminders, {});
    await eventually(async () => mailsTo('silent@example.com').length === 1 && mailsTo('silent-vi@example.com').length === 1, { what: 'two reminders', timeoutMs: 20_000 });
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
    await settled();
    expect(mailsTo('silent@example.com')).toHaveLength(1);
    for (const nobody of ['answered@example.com', 'left@example.com', 'fresh@example.com', 'closed@example.com', 'ancient@example.com']) {
      expect({ nobody, mails: mailsTo(nobody).length }).toEqual({ nobody, mails: 0 });
    }
  });

  test('reminder_days = 0 switches reminders off', async () => {
    const survey = (await makeSurvey(t)).id;
    await makeInvitedContact(t, survey, { email: 'off@example.com', daysAgo: 5, locale: 'en', attempts: 1 });
    await t.db.query(`UPDATE settings SET reminder_days = 0`);
    try {
      expect(await queueDueReminders(t.db, jobs.boss)).toBe(0);
    } finally {
      await t.db.query(`UPDATE settings SET reminder_days = 3`);
    }
    expect(await queueDueReminders(t.db, jobs.boss)).toBe(1);
  });
});
