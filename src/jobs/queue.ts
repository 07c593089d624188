import { EventEmitter } from 'node:events';
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from '../logger';

/** pg-boss keeps its tables in their own schema of the app's database. */
export const JOB_SCHEMA = 'pgboss';

export const QUEUES = {
  /** One job per email to send: an invitation, or the one reminder of an invitation. */
  invitationEmail: 'invitation-email',
  /** Scheduled: finds invitations that are due a reminder and queues their emails. */
  invitationReminders: 'invitation-reminders',
  /** A contact import to run (or to go on with, from its last committed chunk). */
  contactImport: 'contact-import',
  /** Dead letters of contactImport: imports whose every attempt was cut off, to be reported as interrupted. */
  contactImportFailed: 'contact-import-failed',
  /** Scheduled: deletes expired dashboard sessions. */
  sessionPrune: 'session-prune',
  /** One alert email: detractor alerts and follow-up assignments grouped for one recipient. */
  alertEmail: 'alert-email',
  /** One webhook delivery (an event for one webhook); retried with backoff over about a day. */
  webhookDelivery: 'webhook-delivery',
} as const;

export interface AlertEmailJob {
  emailId: string;
}

export interface WebhookDeliveryJob {
  deliveryId: string;
}

/**
 * A webhook delivery is retried 11 times, from 30 s doubling with jitter: 17 to 34 hours in all (SPEC §7:
 * about a day). An attempt lasts at most 10 s, so an active job older than a minute belongs to a dead worker.
 */
export const WEBHOOK_QUEUE_OPTIONS = { retryLimit: 11, retryDelay: 30, retryBackoff: true, expireInSeconds: 60 };

export interface InvitationEmailJob {
  invitationId: string;
  reminder?: boolean;
}

export interface ContactImportJob {
  importId: string;
}

/**
 * Retries of one email: backoff from 5 s doubling (with jitter) over 10 retries, about 1½–3 hours in all.
 * An unreachable server does not spend them: the worker pauses until the server answers again.
 * A job left active by a dead worker is retried after expireInSeconds (its mail is usually recovered
 * sooner, through the invitation's lease).
 */
export const EMAIL_QUEUE_OPTIONS = { retryLimit: 10, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 };

/**
 * A contact import job works for about a minute (src/jobs/contact-import.ts) and then hands the rest to a
 * new job, so an active job older than expireInSeconds belongs to a process that died: pg-boss's
 * maintenance (every 2 minutes) retries it, and the retry goes on from the last committed chunk. An error
 * is retried with backoff from 10 s; when the last attempt was cut off, the dead letter reports the import.
 */
export const CONTACT_IMPORT_QUEUE_OPTIONS = {
  retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 3 * 60, deadLetter: QUEUES.contactImportFailed,
};

/**
 * pg-boss runs its SQL on the app's own connection pool. Some of its statements are whole transactions
 * (BEGIN … COMMIT): a connection that failed in one is discarded, never handed back mid-transaction.
 */
export function poolDb(db: DataSource): PgBoss.Db {
  const pool = (db.driver as unknown as { master: Pool }).master;
  return {
    async executeSql(text: string, values: unknown[]) {
      const client = await pool.connect();
      // The pool listens for errors on idle connections only: an error on this checked-out one outside its
      // query (the server going away) would be thrown as an uncaught exception and end the process.
      const ignore = () => undefined;
      client.on('error', ignore);
      try {
        const result = await client.query(text, values);
        client.removeListener('error', ignore);
        client.release();
        return result;
      } catch (err) {
        client.removeListener('error', ignore);
        client.release(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
  };
}

/** Jobs written through this commit or roll back with the rest of the transaction. */
export function transactionDb(qr: QueryRunner): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const result = await qr.query(text, values, true);
      return { rows: result.records };
    },
  };
}

export async function createQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.invitationEmail, { name: QUEUES.invitationEmail, policy: 'standard', ...EMAIL_QUEUE_OPTIONS });
  // 'singleton': one reminder scan at a time, however many app instances run.
  await boss.createQueue(QUEUES.invitationReminders, { name: QUEUES.invitationReminders, policy: 'singleton', retryLimit: 2, retryDelay: 60 });
  // The dead letter queue first: the import queue refers to it.
  await boss.createQueue(QUEUES.contactImportFailed, { name: QUEUES.contactImportFailed, policy: 'standard', retryLimit: 5, retryDelay: 30 });
  await boss.createQueue(QUEUES.contactImport, { name: QUEUES.contactImport, policy: 'standard', ...CONTACT_IMPORT_QUEUE_OPTIONS });
  await boss.createQueue(QUEUES.sessionPrune, { name: QUEUES.sessionPrune, policy: 'singleton', retryLimit: 0 });
  await boss.createQueue(QUEUES.alertEmail, { name: QUEUES.alertEmail, policy: 'standard', ...EMAIL_QUEUE_OPTIONS });
  await boss.createQueue(QUEUES.webhookDelivery, { name: QUEUES.webhookDelivery, policy: 'standard', ...WEBHOOK_QUEUE_OPTIONS });
}

/**
 * The app's one pg-boss instance (schema `pgboss` of the app's database). Request handlers enqueue on it,
 * startJobs() adds the workers and schedules; it starts on first use (or at boot through start()) and is
 * stopped with the app, after the workers have drained.
 */
export class JobQueue {
  private ready: Promise<PgBoss> | null = null;
  private stopped = false;

  constructor(private readonly db: DataSource, private readonly logger: Logger) {}

  /** Starts pg-boss once (installing its schema and our queues); a failed start is tried again by the next caller. */
  start(): Promise<PgBoss> {
    if (this.stopped) return Promise.reject(new Error('the job queue is stopped'));
    if (!this.ready) {
      const ready = (async () => {
        const boss = new PgBoss({ db: poolDb(this.db), schema: JOB_SCHEMA, migrate: true, supervise: true, schedule: true });
        boss.on('error', (err) => this.logger.error({ err }, 'job queue error'));
        await boss.start();
        await createQueues(boss);
        return boss;
      })();
      ready.catch(() => { if (this.ready === ready) this.ready = null; });
      this.ready = ready;
    }
    return this.ready;
  }

  /** Lets the jobs in flight finish (up to `timeoutMs`), then stops pg-boss; the database stays open. */
  async stop(timeoutMs = 20_000): Promise<void> {
    this.stopped = true;
    const ready = this.ready;
    this.ready = null;
    if (!ready) return;
    const boss = await ready.catch(() => null);
    if (boss) await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
  }
}

const JOBS_PER_INSERT = 5000;

/** Queues email jobs inside the caller's transaction: invitations and their jobs exist together or not at all. */
export async function enqueueInvitationEmails(boss: PgBoss, qr: QueryRunner, jobs: InvitationEmailJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += JOBS_PER_INSERT) {
    await boss.insert(jobs.slice(i, i + JOBS_PER_INSERT).map((data) => ({ name: QUEUES.invitationEmail, data })), { db: transactionDb(qr) });
  }
}

/** Queues a contact import (the rest of it, when `processed` says part is done); in the caller's transaction when given one. */
export async function enqueueContactImport(boss: PgBoss, importId: string, qr?: QueryRunner): Promise<void> {
  const job: ContactImportJob = { importId };
  await boss.send(QUEUES.contactImport, job, qr ? { db: transactionDb(qr) } : {});
}

/**
 * Workers in this process start at once on new mail instead of at their next poll (other instances
 * pick it up when they poll).
 */
const localSignal = new EventEmitter();
localSignal.setMaxListeners(0);

export function wakeLocalWorkers(): void {
  localSignal.emit('work');
}

export function onLocalWork(listener: () => void): () => void {
  localSignal.on('work', listener);
  return () => localSignal.off('work', listener);
}
