import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { MailDeliveryError, type Mailer } from '../mail/mailer';
import { buildInvitationEmail, type InvitationMailData } from '../modules/invitations';
import { enqueueInvitationEmails, JOB_SCHEMA, onLocalWork, QUEUES, type InvitationEmailJob } from './queue';
import { Waits } from './waits';

export interface DeliveryOptions {
  /** Fetch loops working side by side; each holds one batch at a time. */
  loops: number;
  /** Jobs taken (and invitations claimed) per fetch. */
  batchSize: number;
  /** Emails of one batch handed to the mailer at the same time (the SMTP pool then limits connections). */
  sendConcurrency: number;
  /** Wait between fetches when the queue is empty (mail queued in this process wakes the loops at once). */
  pollIntervalMs: number;
  /** A claim lasts this long unless renewed; a dead worker's mail is taken over after it. */
  leaseSeconds: number;
  renewEveryMs: number;
  /** How often expired claims are looked for and their mail queued again. */
  recoverEveryMs: number;
  /** While the mail server is unreachable, how often it is tried again. */
  probeEveryMs: number;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  loops: 3,
  batchSize: 100,
  sendConcurrency: 20,
  pollIntervalMs: 1000,
  leaseSeconds: 30,
  renewEveryMs: 10_000,
  recoverEveryMs: 10_000,
  probeEveryMs: 5_000,
};

interface ClaimedMail extends InvitationMailData {
  contactDeleted: boolean;
  unsubscribed: boolean;
  surveyStatus: string;
  remindedAt: Date | null;
}

type Job = PgBoss.JobWithMetadata<InvitationEmailJob>;

const MAIL_COLUMNS = `
  c.id AS "invitationId", c.token, ct.email, coalesce(ct.name, '') AS name, coalesce(ct.locale, g.default_locale) AS locale,
  ct.id IS NULL AS "contactDeleted", ct.unsubscribed_at IS NOT NULL AS unsubscribed,
  s.kind, s.status AS "surveyStatus", s.question_vi AS "questionVi", s.question_en AS "questionEn",
  coalesce(tp.name_vi, st.name_vi) AS "touchpointVi", coalesce(tp.name_en, st.name_en) AS "touchpointEn", g.brand`;

const MAIL_JOINS = `
  JOIN surveys s ON s.id = c.survey_id
  LEFT JOIN contacts ct ON ct.id = c.contact_id
  LEFT JOIN touchpoints tp ON tp.id = s.touchpoint_id
  LEFT JOIN stages st ON st.id = s.stage_id
  CROSS JOIN settings g`;

/**
 * Takes invitations for sending: only those still queued, or whose previous claim expired (its worker
 * died). A duplicate job or a second worker finds nothing to take, so an invitation is sent by one
 * worker at a time.
 */
const CLAIM_INVITATIONS = `
  WITH c AS (
    UPDATE invitations i SET status = 'sending', claimed_until = now() + make_interval(secs => $2), attempts = i.attempts + 1
    WHERE i.id = ANY($1::uuid[]) AND (i.status = 'queued' OR (i.status = 'sending' AND i.claimed_until < now()))
    RETURNING i.id, i.token, i.survey_id, i.contact_id, NULL::timestamptz AS reminded_at
  )
  SELECT ${MAIL_COLUMNS}, c.reminded_at AS "remindedAt" FROM c ${MAIL_JOINS}`;

/**
 * Reminders are at most once: reminded_at is set before the email goes out and never cleared except
 * on a transient failure we saw ourselves, so no one gets a second reminder, even after a crash.
 */
const CLAIM_REMINDERS = `
  WITH c AS (
    UPDATE invitations i SET reminded_at = now()
    FROM contacts ct, surveys s
    WHERE i.id = ANY($1::uuid[]) AND ct.id = i.contact_id AND s.id = i.survey_id
      AND i.status = 'sent' AND i.reminded_at IS NULL AND i.responded_at IS NULL
      AND ct.unsubscribed_at IS NULL AND s.status = 'active'
    RETURNING i.id, i.token, i.survey_id, i.contact_id, i.reminded_at
  )
  SELECT ${MAIL_COLUMNS}, c.reminded_at AS "remindedAt" FROM c ${MAIL_JOINS}`;

/** Why an invitation must not go out any more; null when it may. */
function cancelReason(mail: ClaimedMail): string | null {
  if (mail.contactDeleted) return 'The contact was deleted before the invitation was sent';
  if (mail.unsubscribed) return 'The contact unsubscribed before the invitation was sent';
  if (mail.surveyStatus !== 'active') return `The survey was ${mail.surveyStatus} before the invitation was sent`;
  return null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records deliveries as sent, many per statement (group commit): a mark waits at most for the statement
 * in progress, not for a pool connection behind every other delivery. The shorter the time between the
 * server's acceptance and this record, the fewer messages a crash can make us hand over twice.
 */
class SentMarks {
  private pending: Array<{ id: string; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly db: DataSource) {}

  mark(invitationId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id: invitationId, resolve, reject });
      void this.write();
    });
  }

  private async write(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const marks = this.pending.splice(0);
        try {
          await this.db.query(`UPDATE invitations SET status = 'sent', sent_at = now(), claimed_until = NULL, error = NULL WHERE id = ANY($1::uuid[])`,
            [marks.map((m) => m.id)]);
          for (const m of marks) m.resolve();
        } catch (err) {
          for (const m of marks) m.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

export interface DeliveryDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
  boss: PgBoss;
  mailer: Mailer;
}

/**
 * The email worker. Per invitation: claim (conditional UPDATE with a lease) → SMTP → mark sent.
 * - Exactly one worker sends an invitation at a time; a claim is renewed while its email is in flight.
 * - A worker killed mid-send leaves claims that expire; their mail is queued again (recoverExpiredClaims()); jobs
 *   it had fetched but not yet claimed are handed back to pg-boss (recoverAbandonedJobs()). A kill
 *   after the server accepted a message but before it was marked sent hands the same message over
 *   again, with the same Message-ID, which mail servers and clients show once (at-least-once delivery,
 *   deduplicated by Message-ID).
 * - A permanent SMTP rejection (5xx) fails the invitation with the server's answer; transient failures
 *   are retried with backoff by pg-boss; an unreachable server pauses every loop until it answers.
 */
export function startInvitationDelivery(deps: DeliveryDeps, options: Partial<DeliveryOptions> = {}) {
  const opts = { ...DEFAULT_DELIVERY_OPTIONS, ...options };
  const { db, config, boss, mailer } = deps;
  const log = deps.logger.child({ component: 'invitation-delivery' });
  const waits = new Waits();
  const inFlight = new Set<string>();
  const sentMarks = new SentMarks(db);
  let stopping = false;
  let serverDown = false;
  let probing: Promise<void> | null = null;

  async function waitForServer(): Promise<void> {
    probing ??= (async () => {
      while (!stopping) {
        try {
          await mailer.verify();
          serverDown = false;
          log.info('mail server is reachable again: sending resumes');
          return;
        } catch {
          await waits.wait(opts.probeEveryMs);
        }
      }
    })().finally(() => { probing = null; });
    return probing;
  }

  async function settle(job: Job, mail: ClaimedMail, reminder: boolean, failure: MailDeliveryError | null): Promise<'complete' | 'retry'> {
    const id = mail.invitationId;
    if (!failure) {
      // Recorded right after the server's acceptance; retried so a short database hiccup does not cause a resend.
      for (let attempt = 0; ; attempt++) {
        try {
          if (!reminder) await sentMarks.mark(id);
          return 'complete';
        } catch (err) {
          if (attempt >= 4) throw err;
          await sleep(200 * 2 ** attempt);
        }
      }
    }
    const lastAttempt = job.retryCount >= job.retryLimit;
    if (failure.permanent || lastAttempt) {
      const error = failure.permanent ? failure.message : `${failure.message} (gave up after ${job.retryCount + 1} attempts)`;
      if (reminder) await db.query(`UPDATE invitations SET error = $2 WHERE id = $1`, [id, `Reminder not delivered: ${error}`]);
      else await db.query(`UPDATE invitations SET status = 'failed', error = $2, claimed_until = NULL WHERE id = $1`, [id, error]);
      return 'complete';
    }
    if (reminder) await db.query(`UPDATE invitations SET reminded_at = NULL WHERE id = $1 AND reminded_at = $2`, [id, mail.remindedAt]);
    else await db.query(`UPDATE invitations SET status = 'queued', error = $2, claimed_until = NULL WHERE id = $1 AND status = 'sending'`, [id, failure.message]);
    return 'retry';
  }

  async function deliver(job: Job, mail: ClaimedMail, reminder: boolean): Promise<'complete' | 'retry'> {
    if (!reminder) {
      const reason = cancelReason(mail);
      if (reason) {
        await db.query(`UPDATE invitations SET status = 'cancelled', error = $2, claimed_until = NULL WHERE id = $1`, [mail.invitationId, reason]);
        return 'complete';
      }
    }
    // Once the server is known to be down, the rest of the batch waits for it instead of knocking again.
    if (serverDown) return settle(job, mail, reminder, new MailDeliveryError('The mail server is unavailable', 'transient', true, null));
    let failure: MailDeliveryError | null = null;
    try {
      await mailer.send(buildInvitationEmail(mail, { baseUrl: config.baseUrl, reminder }));
    } catch (err) {
      if (!(err instanceof MailDeliveryError)) {
        // Our bug, not the recipient's: retried like a deferral, so mail queued before a fixed release still goes out.
        log.error({ err, invitationId: mail.invitationId }, 'could not build an invitation email');
      }
      failure = err instanceof MailDeliveryError ? err : new MailDeliveryError(`Could not build the email: ${err instanceof Error ? err.message : String(err)}`, 'transient', false, null);
      if (failure.serverUnavailable && !serverDown) {
        serverDown = true;
        log.warn({ err: failure.message }, 'mail server unavailable: sending paused until it answers');
      }
    }
    return settle(job, mail, reminder, failure);
  }

  async function deliverBatch(jobs: Job[]): Promise<void> {
    const invitationJobs = new Map<string, Job>();
    const reminderJobs = new Map<string, Job>();
    for (const job of jobs) (job.data.reminder ? reminderJobs : invitationJobs).set(job.data.invitationId, job);
    const claimed: Array<{ job: Job; mail: ClaimedMail; reminder: boolean }> = [];
    if (invitationJobs.size > 0) {
      const rows: ClaimedMail[] = await db.query(CLAIM_INVITATIONS, [[...invitationJobs.keys()], opts.leaseSeconds]);
      for (const mail of rows) claimed.push({ job: invitationJobs.get(mail.invitationId)!, mail, reminder: false });
    }
    if (reminderJobs.size > 0) {
      const rows: ClaimedMail[] = await db.query(CLAIM_REMINDERS, [[...reminderJobs.keys()]]);
      for (const mail of rows) claimed.push({ job: reminderJobs.get(mail.invitationId)!, mail, reminder: true });
    }
    const done = new Set(claimed.map((c) => c.job.id));
    // Jobs whose invitation was not taken have nothing left to do: already sent, cancelled, or in other hands.
    const complete = jobs.filter((j) => !done.has(j.id)).map((j) => j.id);
    const retry: Array<{ id: string; message: string }> = [];
    for (const c of claimed) if (!c.reminder) inFlight.add(c.mail.invitationId);
    try {
      const outcomes: PromiseSettledResult<'complete' | 'retry'>[] = new Array(claimed.length);
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(opts.sendConcurrency, claimed.length) }, async () => {
        while (next < claimed.length) {
          const i = next++;
          outcomes[i] = await deliver(claimed[i].job, claimed[i].mail, claimed[i].reminder)
            .then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason }));
        }
      }));
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled' && outcome.value === 'complete') complete.push(claimed[i].job.id);
        else {
          if (outcome.status === 'rejected') log.error({ err: outcome.reason, invitationId: claimed[i].mail.invitationId }, 'could not record a delivery');
          retry.push({ id: claimed[i].job.id, message: outcome.status === 'rejected' ? String(outcome.reason) : 'transient delivery failure' });
        }
      });
    } finally {
      for (const c of claimed) inFlight.delete(c.mail.invitationId);
    }
    if (complete.length > 0) await boss.complete(QUEUES.invitationEmail, complete);
    for (const r of retry) await boss.fail(QUEUES.invitationEmail, r.id, { message: r.message });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      try {
        if (serverDown) {
          await waitForServer();
          continue;
        }
        const jobs = await boss.fetch<InvitationEmailJob>(QUEUES.invitationEmail, { batchSize: opts.batchSize, includeMetadata: true });
        if (jobs.length === 0) {
          await waits.wait(opts.pollIntervalMs);
          continue;
        }
        await deliverBatch(jobs);
      } catch (err) {
        // The database went away mid-batch: claims expire and jobs time out, so nothing is lost; wait and go on.
        log.error({ err }, 'email delivery loop error');
        await waits.wait(opts.pollIntervalMs);
      }
    }
  }

  async function renewClaims(): Promise<void> {
    if (inFlight.size === 0) return;
    await db.query(`UPDATE invitations SET claimed_until = now() + make_interval(secs => $2) WHERE id = ANY($1::uuid[]) AND status = 'sending'`,
      [[...inFlight], opts.leaseSeconds]);
  }

  const stopListening = onLocalWork(() => waits.wakeAll());
  const loops = Array.from({ length: opts.loops }, () => loop());
  const timers = [
    setInterval(() => renewClaims().catch((err) => log.error({ err }, 'could not renew claims')), opts.renewEveryMs),
    setInterval(() => recover().catch((err) => log.error({ err }, 'could not recover claims')), opts.recoverEveryMs),
  ];
  recover().catch((err) => log.error({ err }, 'could not recover claims'));

  async function recover(): Promise<void> {
    await recoverExpiredClaims(db, boss);
    await recoverAbandonedJobs(db, boss, opts.leaseSeconds);
  }

  return {
    /** Stops taking mail and waits for the emails in flight to be sent and recorded. */
    async stop(): Promise<void> {
      stopping = true;
      stopListening();
      waits.wakeAll();
      await Promise.all(loops);
      for (const timer of timers) clearInterval(timer);
    },
  };
}

/**
 * Jobs a worker fetched but died before claiming: pg-boss keeps them active until they expire (15 min),
 * while their invitations are still queued. A live worker claims within moments of fetching, so a job
 * active for longer than a lease whose invitation is still queued was abandoned: it is failed back to
 * pg-boss, which retries it at once (with its backoff). Returns how many were handed back.
 */
export async function recoverAbandonedJobs(db: DataSource, boss: PgBoss, leaseSeconds: number): Promise<number> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT j.id FROM ${JOB_SCHEMA}.job j
     JOIN invitations i ON i.id = (j.data->>'invitationId')::uuid
     WHERE j.name = $1 AND j.state = 'active' AND j.started_on < now() - make_interval(secs => $2)
       AND NOT coalesce((j.data->>'reminder')::boolean, false) AND i.status = 'queued'
     LIMIT 10000`,
    [QUEUES.invitationEmail, leaseSeconds],
  );
  if (rows.length > 0) await boss.fail(QUEUES.invitationEmail, rows.map((r) => r.id));
  return rows.length;
}

/**
 * Claims whose lease ran out belong to a worker that died (or hung) mid-send: their invitations go back
 * to the queue with a new job, in one transaction. Safe to run anywhere, any time, concurrently.
 */
export async function recoverExpiredClaims(db: DataSource, boss: PgBoss): Promise<number> {
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const rows: Array<{ id: string }> = await qr.query(
      `WITH expired AS (
         UPDATE invitations SET status = 'queued', claimed_until = NULL
         WHERE id IN (SELECT id FROM invitations WHERE status = 'sending' AND claimed_until < now() LIMIT 10000 FOR UPDATE SKIP LOCKED)
         RETURNING id)
       SELECT id FROM expired`,
    );
    await enqueueInvitationEmails(boss, qr, rows.map((r) => ({ invitationId: r.id })));
    await qr.commitTransaction();
    return rows.length;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}
