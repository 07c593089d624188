import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import type { Locale } from '../../i18n';
import { EMAIL_QUEUE_OPTIONS, onLocalWork } from '../../jobs/queue';
import type { Logger } from '../../logger';
import { MailDeliveryError, type Mailer } from '../../mail/mailer';
import { digestEmail, type DigestContent } from './digest.email';
import { Waits } from '../../jobs/waits';
import {
  claimDigestDeliveries, DIGEST_QUEUES, dispatchDueDigests, getDigestContent, holdDigestClaim, recoverAbandonedDigestJobs, recoverExpiredDigestClaims,
  renewDigestClaims, settleDigestDelivery, type ClaimedDigestMail, type DigestEmailJob,
} from './digest.service';

/**
 * The digest on the app's one job queue: a scheduled tick that dispatches the digests whose time has come,
 * and the worker that sends each recipient's email. Sending follows the invitations' discipline: a job per
 * email, a claim with a lease on the delivery row before the SMTP conversation, a deterministic Message-ID,
 * recovery of a dead worker's claims; pg-boss retries transient failures with backoff.
 */

/** Every five minutes, in UTC: a digest goes out within minutes of its hour in any zone (even +05:45). */
export const DIGEST_SCHEDULE = '*/5 * * * *';

export interface DigestDeliveryOptions {
  /** Jobs taken (and deliveries claimed) per fetch. */
  batchSize: number;
  /** Emails of a batch handed to the mailer at once (its SMTP pool then limits the connections). */
  sendConcurrency: number;
  pollIntervalMs: number;
  leaseSeconds: number;
  renewEveryMs: number;
  recoverEveryMs: number;
}

export const DEFAULT_DIGEST_DELIVERY: DigestDeliveryOptions = {
  batchSize: 100,
  sendConcurrency: 20,
  pollIntervalMs: 1000,
  leaseSeconds: 30,
  renewEveryMs: 10_000,
  recoverEveryMs: 10_000,
};

export interface DigestJobsDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
  boss: PgBoss;
  mailer: Mailer;
}

export interface DigestJobsOptions {
  /** The scheduler's clock (tests move it to the digest's hour). */
  clock?: () => Date;
  delivery?: Partial<DigestDeliveryOptions>;
}

/** Creates the digest's queues (idempotent: every instance and the CLI may call it). */
export async function createDigestQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(DIGEST_QUEUES.email, { name: DIGEST_QUEUES.email, policy: 'standard', ...EMAIL_QUEUE_OPTIONS });
  // 'singleton': one tick at a time across instances; dispatch itself is idempotent anyway.
  await boss.createQueue(DIGEST_QUEUES.schedule, { name: DIGEST_QUEUES.schedule, policy: 'singleton', retryLimit: 2, retryDelay: 60 });
}

/** The scheduled tick: dispatches what is due (pg-boss fires a schedule once per tick across instances). */
export async function startDigestSchedule(deps: DigestJobsDeps, clock: () => Date): Promise<{ stop(): Promise<void> }> {
  const { boss, logger } = deps;
  const log = logger.child({ component: 'digest' });
  await boss.schedule(DIGEST_QUEUES.schedule, DIGEST_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(DIGEST_QUEUES.schedule, async () => {
    for (const outcome of await dispatchDueDigests(deps, clock())) {
      if (outcome.status === 'queued' || outcome.status === 'skipped_empty') {
        log.info({ period: outcome.period.key, status: outcome.status, queued: outcome.queued, buildMs: outcome.buildMs }, 'digest dispatched');
      }
    }
  });
  return { stop: () => boss.offWork(DIGEST_QUEUES.schedule) };
}

type Job = PgBoss.JobWithMetadata<DigestEmailJob>;
type StoredContent = Pick<DigestContent, 'subject' | 'html' | 'text' | 'chartPng'>;

/** The email worker: claim → SMTP → record, per delivery. */
export function startDigestDelivery(deps: DigestJobsDeps, options: Partial<DigestDeliveryOptions> = {}): { stop(): Promise<void> } {
  const opts = { ...DEFAULT_DIGEST_DELIVERY, ...options };
  const { db, config, boss, mailer } = deps;
  const log = deps.logger.child({ component: 'digest-delivery' });
  const waits = new Waits();
  /** Claims held by this worker (their leases are renewed until settled). */
  const inFlight = new Set<string>();
  // The content of a period in a language, read once per process (it never changes once dispatched).
  const contents = new Map<string, Promise<StoredContent>>();
  let stopping = false;

  function contentFor(periodKey: string, locale: Locale): Promise<StoredContent> {
    const key = `${periodKey}|${locale}`;
    let content = contents.get(key);
    if (!content) {
      if (contents.size > 16) contents.clear();
      content = getDigestContent(db, periodKey, locale);
      content.catch(() => contents.delete(key));
      contents.set(key, content);
    }
    return content;
  }

  /** Sends one claimed email and records the outcome; 'retry' hands the job back to pg-boss. */
  async function deliver(job: Job, mail: ClaimedDigestMail): Promise<'complete' | 'retry'> {
    if (mail.cancelReason) {
      await settleDigestDelivery(db, mail, { status: 'cancelled', error: mail.cancelReason });
      return 'complete';
    }
    try {
      const content = await contentFor(mail.periodKey, mail.locale);
      const email = digestEmail(content, mail, config.baseUrl);
      // Another worker took the delivery over (this one stalled past its lease): it is in their hands now.
      if (!(await holdDigestClaim(db, mail, opts.leaseSeconds))) return 'complete';
      await mailer.send(email);
    } catch (err) {
      const failure = err instanceof MailDeliveryError ? err
        : new MailDeliveryError(`Could not build the email: ${err instanceof Error ? err.message : String(err)}`, 'transient', false, null);
      if (!(err instanceof MailDeliveryError)) log.error({ err, deliveryId: mail.deliveryId }, 'could not build a digest email');
      if (failure.permanent || job.retryCount >= job.retryLimit) {
        await settleDigestDelivery(db, mail, { status: 'failed', error: failure.message });
        return 'complete';
      }
      await settleDigestDelivery(db, mail, { status: 'queued', error: failure.message });
      return 'retry';
    }
    // Recorded right after the server's acceptance; retried so a short database hiccup does not cause a resend.
    for (let attempt = 0; ; attempt++) {
      try {
        await settleDigestDelivery(db, mail, { status: 'sent' });
        return 'complete';
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  async function deliverBatch(jobs: Job[]): Promise<void> {
    const byDelivery = new Map(jobs.map((j) => [j.data.deliveryId, j]));
    const claimed = (await claimDigestDeliveries(db, [...byDelivery.keys()], opts.leaseSeconds))
      .map((mail) => ({ mail, job: byDelivery.get(mail.deliveryId)! }));
    const taken = new Set(claimed.map((c) => c.job.id));
    // Jobs whose delivery was not taken have nothing left to do: already sent, cancelled, or in other hands.
    const complete = jobs.filter((j) => !taken.has(j.id)).map((j) => j.id);
    const retry: Array<{ id: string; message: string }> = [];
    for (const c of claimed) inFlight.add(c.mail.claim);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(opts.sendConcurrency, claimed.length) }, async () => {
      while (next < claimed.length) {
        const { job, mail } = claimed[next++];
        try {
          if ((await deliver(job, mail)) === 'complete') complete.push(job.id);
          else retry.push({ id: job.id, message: 'transient delivery failure' });
        } catch (err) {
          log.error({ err, deliveryId: mail.deliveryId }, 'could not record a digest delivery');
          retry.push({ id: job.id, message: String(err) });
        } finally {
          inFlight.delete(mail.claim);
        }
      }
    }));
    if (complete.length > 0) await boss.complete(DIGEST_QUEUES.email, complete);
    for (const r of retry) await boss.fail(DIGEST_QUEUES.email, r.id, { message: r.message });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      try {
        const jobs = await boss.fetch<DigestEmailJob>(DIGEST_QUEUES.email, { batchSize: opts.batchSize, includeMetadata: true });
        if (jobs.length === 0) {
          await waits.wait(opts.pollIntervalMs);
          continue;
        }
        await deliverBatch(jobs);
      } catch (err) {
        // The database went away mid-batch: claims expire and jobs time out, so nothing is lost.
        log.error({ err }, 'digest delivery loop error');
        await waits.wait(opts.pollIntervalMs);
      }
    }
  }

  async function recover(): Promise<void> {
    await recoverExpiredDigestClaims(db, boss);
    await recoverAbandonedDigestJobs(db, boss, opts.leaseSeconds);
  }

  const stopListening = onLocalWork(() => waits.wakeAll());
  const running = loop();
  const timers = [
    setInterval(() => renewDigestClaims(db, [...inFlight], opts.leaseSeconds).catch((err) => log.error({ err }, 'could not renew digest claims')), opts.renewEveryMs),
    setInterval(() => recover().catch((err) => log.error({ err }, 'could not recover digest claims')), opts.recoverEveryMs),
  ];
  recover().catch((err) => log.error({ err }, 'could not recover digest claims'));

  return {
    /** Stops taking mail and waits for the emails in flight to be sent and recorded. */
    async stop(): Promise<void> {
      stopping = true;
      stopListening();
      waits.wakeAll();
      await running;
      for (const timer of timers) clearInterval(timer);
    },
  };
}

/** The digest's part of startJobs(): its queues, the schedule and the email worker. */
export async function startDigestJobs(deps: DigestJobsDeps, options: DigestJobsOptions = {}): Promise<{ stop(): Promise<void> }> {
  await createDigestQueues(deps.boss);
  const delivery = startDigestDelivery(deps, options.delivery);
  const schedule = await startDigestSchedule(deps, options.clock ?? (() => new Date()));
  return {
    async stop() {
      await schedule.stop();
      await delivery.stop();
    },
  };
}
