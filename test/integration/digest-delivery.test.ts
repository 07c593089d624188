import type { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { createDataSource } from '../../src/db/data-source';
import { JobQueue, startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createMailer, type Mailer } from '../../src/mail';
import {
  createDigestQueues, DIGEST_QUEUES, dispatchDigest, dispatchDueDigests, startDigestDelivery, weekPeriod,
} from '../../src/modules/digest';
import { recoverAbandonedDigestJobs } from '../../src/modules/digest/digest.service';

/**
 * Exactly one digest per recipient and period (SPEC §6): two app instances on one database whose
 * schedules fire together, re-runs in the same week, a worker that dies halfway through a send, and
 * recipients who leave after the digest was queued. Mail goes to a real SMTP server.
 */

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
// Monday 16 March 2026, 08:00:30 in Ho Chi Minh City: the week of 9 March is due, and Sunday 15 March's daily digest.
const MONDAY_8AM = new Date('2026-03-16T01:00:30Z');
const WEEKLY = 30;
const DAILY = 3;
const EXTRAS = ['board@example.vn', 'Investor@Example.com', 'ops@example.com'];

let t: TestApp;
let smtp: TestSmtpServer;
let second: { db: DataSource; queue: JobQueue } | null = null;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url });
  await t.db.query(
    `INSERT INTO users (email, name, password_hash, role, locale, digest_frequency)
     SELECT 'weekly' || n || '@example.com', '', 'x', 'viewer', CASE WHEN n % 2 = 0 THEN 'vi' ELSE 'en' END, 'weekly' FROM generate_series(1, $1) AS n
     UNION ALL
     SELECT 'daily' || n || '@example.com', '', 'x', 'viewer', 'vi', 'daily' FROM generate_series(1, $2) AS n
     UNION ALL
     SELECT 'off' || n || '@example.com', '', 'x', 'viewer', 'en', 'off' FROM generate_series(1, 2) AS n`, [WEEKLY, DAILY]);
  await t.db.query(`UPDATE settings SET digest_recipients = $1`, [EXTRAS]);
  const [{ id: survey }] = await t.db.query(`INSERT INTO surveys (kind, title) VALUES ('nps', 'Relationship NPS') RETURNING id`);
  await t.db.query(`INSERT INTO responses (survey_id, score, channel, locale, created_at)
    SELECT $1, n % 11, 'link', 'vi', '2026-03-10T05:00:00Z'::timestamptz + n * interval '1 minute' FROM generate_series(1, 60) AS n`, [survey]);
}, 60_000);

afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
  await second?.queue.stop();
  if (second?.db.isInitialized) await second.db.destroy();
  await t.close();
  await smtp.close();
});

const recipientsOf = (periodLabel: string) => smtp.messages.filter((m) => String(m.parsed.subject).includes(periodLabel)).map((m) => m.to[0].toLowerCase());
const countBy = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

async function pendingJobs(): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [DIGEST_QUEUES.email]);
  return n;
}

describe('two app instances on one database', () => {
  let a: Jobs;
  let b: Jobs;

  beforeAll(async () => {
    second = { db: createDataSource(t.config.databaseUrl!, { poolSize: 5 }), queue: null as unknown as JobQueue };
    await second.db.initialize();
    second.queue = new JobQueue(second.db, logger);
    const options = { delivery: { pollIntervalMs: 100 }, digest: { clock: () => MONDAY_8AM, delivery: { pollIntervalMs: 100 } } };
    a = await startJobs(t, options);
    b = await startJobs({ ...t, db: second.db, queue: second.queue }, options);
  });

  // The tests below run their own workers.
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  test('both schedules fire at Monday 08:00: one digest per recipient, weekly and daily', async () => {
    // The scheduled tick on both instances at once, and both dispatching directly at the same moment.
    await Promise.all([a.boss.send(DIGEST_QUEUES.schedule, {}), b.boss.send(DIGEST_QUEUES.schedule, {})]);
    const outcomes = await Promise.all([dispatchDueDigests({ ...t, boss: a.boss }, MONDAY_8AM), dispatchDueDigests({ ...t, db: second!.db, boss: b.boss }, MONDAY_8AM)]);
    const weekly = outcomes.flat().filter((o) => o.period.key === 'week:2026-03-09');
    expect(weekly.filter((o) => o.status === 'queued').length).toBeLessThanOrEqual(1);
    const expected = WEEKLY + EXTRAS.length + DAILY;
    await smtp.waitForMessages(expected, 30_000);
    await eventually(async () => (await pendingJobs()) === 0, { what: 'every digest job done' });

    const weeklyTo = countBy(recipientsOf('09/03/2026 – 15/03/2026').concat(recipientsOf('9 Mar 2026 – 15 Mar 2026')));
    expect(weeklyTo.size).toBe(WEEKLY + EXTRAS.length);
    expect([...weeklyTo.values()].every((n) => n === 1)).toBe(true);
    for (const extra of EXTRAS) expect(weeklyTo.get(extra.toLowerCase())).toBe(1);
    expect(weeklyTo.has('off1@example.com')).toBe(false);
    expect(weeklyTo.has('daily1@example.com')).toBe(false);
    const dailyTo = countBy(recipientsOf('Báo cáo ngày 15/03/2026'));
    expect([...dailyTo.entries()].sort()).toEqual([['daily1@example.com', 1], ['daily2@example.com', 1], ['daily3@example.com', 1]]);
    expect(smtp.messages).toHaveLength(expected);
    const [row] = await t.db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'sent')::int AS sent FROM digest_deliveries`);
    expect(row).toEqual({ n: expected, sent: expected });
  });

  test('a re-run in the same week sends nothing: the scheduler again, --now, from either instance', async () => {
    const before = smtp.accepted();
    const again = await Promise.all([dispatchDueDigests({ ...t, boss: a.boss }, MONDAY_8AM), dispatchDueDigests({ ...t, db: second!.db, boss: b.boss }, new Date('2026-03-16T09:00:00Z'))]);
    expect(again.flat().map((o) => o.status)).toEqual(['already', 'already', 'already', 'already']);
    expect((await dispatchDigest({ ...t, boss: a.boss }, weekPeriod('2026-03-09'))).status).toBe('already');
    // Someone who becomes a recipient afterwards does not reopen the week either.
    await t.db.query(`INSERT INTO users (email, password_hash, role) VALUES ('late@example.com', 'x', 'viewer')`);
    expect((await dispatchDigest({ ...t, boss: b.boss }, weekPeriod('2026-03-09'))).status).toBe('already');
    expect(await pendingJobs()).toBe(0);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM digest_deliveries`))[0].n).toBe(WEEKLY + EXTRAS.length + DAILY);
    expect(smtp.accepted()).toBe(before);
  });
});

describe('a worker that dies halfway through a send', () => {
  test('the next worker sends the other half once the claims expire, and nobody gets a digest twice', async () => {
    const period = weekPeriod('2026-03-02');
    const queue = new JobQueue(t.db, logger);
    const boss = await queue.start();
    running.push({ stop: () => queue.stop() });
    await createDigestQueues(boss);
    const outcome = await dispatchDigest({ ...t, boss }, period);
    const total = outcome.queued;
    expect(total).toBe(WEEKLY + EXTRAS.length + 1);
    const before = smtp.messages.length;

    // The dying worker: it claims a whole batch, hands half to the server, then freezes — no renewal,
    // no recovery, no record of the rest — as a killed process would leave things.
    const real = createMailer({ db: t.db, config: t.config, logger });
    let sent = 0;
    const frozen: Array<(err: Error) => void> = [];
    const dying: Mailer = {
      mode: real.mode,
      verify: () => real.verify(),
      close: () => real.close(),
      send: (mail) => (sent++ < Math.floor(total / 2) ? real.send(mail) : new Promise((_resolve, reject) => { frozen.push(reject); })),
    };
    const dead = startDigestDelivery({ db: t.db, config: t.config, logger, boss, mailer: dying },
      { batchSize: 100, sendConcurrency: 4, leaseSeconds: 1, renewEveryMs: 3_600_000, recoverEveryMs: 3_600_000, pollIntervalMs: 100 });
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE period_key = $1 AND status = 'sent'`, [period.key]))[0].n === Math.floor(total / 2),
      { what: 'half of the digests sent' });
    const [state] = await t.db.query(`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'sending')::int AS sending
      FROM digest_deliveries WHERE period_key = $1`, [period.key]);
    expect(state).toEqual({ sent: Math.floor(total / 2), sending: total - Math.floor(total / 2) });

    // The restart: a fresh worker takes over the expired claims.
    const next = startDigestDelivery({ db: t.db, config: t.config, logger, boss, mailer: real }, { pollIntervalMs: 100, recoverEveryMs: 200, leaseSeconds: 1 });
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE period_key = $1 AND status = 'sent'`, [period.key]))[0].n === total,
      { what: 'every digest sent', timeoutMs: 20_000 });
    await smtp.waitForMessages(before + total);
    // The dead worker wakes up (as a paused VM would): its frozen sends fail, and the rest of its batch finds
    // its claims taken over — nothing it does now may send or unsend anything.
    for (const reject of frozen) reject(new Error('the process died'));
    await dead.stop();
    await eventually(async () => (await pendingJobs()) === 0, { what: 'every digest job done' });
    await next.stop();
    real.close();
    // The server records a message once it has parsed it, which may be just after the sender's delivery was marked sent.
    await smtp.waitForMessages(before + total);

    const to = countBy(smtp.messages.slice(before).map((m) => m.to[0].toLowerCase()));
    expect(to.size).toBe(total);
    expect([...to.values()].every((n) => n === 1)).toBe(true);
    expect(smtp.messages.length).toBe(before + total);
  });

  test('a job fetched by a worker that died before claiming is handed back to the queue', async () => {
    const period = weekPeriod('2026-02-23');
    const queue = new JobQueue(t.db, logger);
    const boss = await queue.start();
    running.push({ stop: () => queue.stop() });
    await t.db.query(`UPDATE users SET digest_frequency = 'off' WHERE digest_frequency = 'weekly' AND email <> 'weekly1@example.com'`);
    await t.db.query(`UPDATE settings SET digest_recipients = '{}'`);
    expect((await dispatchDigest({ ...t, boss }, period)).queued).toBe(1);
    const [{ id }] = await t.db.query(`SELECT id FROM pgboss.job WHERE name = $1 AND state = 'created'`, [DIGEST_QUEUES.email]);
    await t.db.query(`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '5 minutes' WHERE id = $1`, [id]);
    expect(await recoverAbandonedDigestJobs(t.db, boss, 30)).toBe(1);
    const before = smtp.messages.length;
    const worker = startDigestDelivery({ db: t.db, config: t.config, logger, boss, mailer: createMailer({ db: t.db, config: t.config, logger }) }, { pollIntervalMs: 100 });
    await smtp.waitForMessages(before + 1);
    await worker.stop();
    expect(smtp.messages[before].to).toEqual(['weekly1@example.com']);
    expect(await recoverAbandonedDigestJobs(t.db, boss, 30)).toBe(0);
  });
});

describe('recipients who leave after the digest was queued', () => {
  test('a user who turned the digest off, or an address removed from Settings, is not sent it', async () => {
    const period = weekPeriod('2026-02-16');
    const queue = new JobQueue(t.db, logger);
    const boss = await queue.start();
    running.push({ stop: () => queue.stop() });
    await t.db.query(`UPDATE users SET digest_frequency = 'weekly' WHERE email IN ('weekly1@example.com', 'weekly2@example.com')`);
    await t.db.query(`UPDATE settings SET digest_recipients = ARRAY['gone@example.com', 'stays@example.com']`);
    expect((await dispatchDigest({ ...t, boss }, period)).queued).toBe(4);
    await t.db.query(`UPDATE users SET digest_frequency = 'off' WHERE email = 'weekly2@example.com'`);
    await t.db.query(`UPDATE settings SET digest_recipients = ARRAY['stays@example.com']`);
    const before = smtp.messages.length;
    const worker = startDigestDelivery({ db: t.db, config: t.config, logger, boss, mailer: createMailer({ db: t.db, config: t.config, logger }) }, { pollIntervalMs: 100 });
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE period_key = $1 AND status IN ('queued', 'sending')`, [period.key]))[0].n === 0,
      { what: 'every delivery settled' });
    await worker.stop();
    const rows = await t.db.query(`SELECT recipient, status, error FROM digest_deliveries WHERE period_key = $1 ORDER BY recipient`, [period.key]);
    expect(rows).toEqual([
      { recipient: 'gone@example.com', status: 'cancelled', error: 'The address was removed from the digest recipients' },
      { recipient: 'stays@example.com', status: 'sent', error: null },
      { recipient: 'weekly1@example.com', status: 'sent', error: null },
      { recipient: 'weekly2@example.com', status: 'cancelled', error: 'The user no longer receives the digest' },
    ]);
    // A delivery is marked sent when the server accepts it; the capture records it once parsed, a moment later.
    await smtp.waitForMessages(before + 2);
    expect(smtp.messages.slice(before).map((m) => m.to[0]).sort()).toEqual(['stays@example.com', 'weekly1@example.com']);
  });

  test('a permanent rejection (5xx) fails that delivery with the server’s reason; the others go out', async () => {
    const period = weekPeriod('2026-02-09');
    const queue = new JobQueue(t.db, logger);
    const boss = await queue.start();
    running.push({ stop: () => queue.stop() });
    smtp.reject({ when: (address) => address === 'stays@example.com', code: 550, message: '5.1.1 No such mailbox' });
    try {
      expect((await dispatchDigest({ ...t, boss }, period)).queued).toBe(2);
      const worker = startDigestDelivery({ db: t.db, config: t.config, logger, boss, mailer: createMailer({ db: t.db, config: t.config, logger }) }, { pollIntervalMs: 100 });
      await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE period_key = $1 AND status IN ('queued', 'sending')`, [period.key]))[0].n === 0,
        { what: 'every delivery settled' });
      await worker.stop();
    } finally {
      smtp.reject(null);
    }
    const [failed] = await t.db.query(`SELECT status, error, attempts FROM digest_deliveries WHERE period_key = $1 AND recipient = 'stays@example.com'`, [period.key]);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('No such mailbox');
    expect(failed.attempts).toBe(1);
  });
});
