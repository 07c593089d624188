import PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createMailer } from '../mail/mailer';
import { startInvitationDelivery, type DeliveryOptions } from './invitation-delivery';
import { createQueues, EMAIL_QUEUE_OPTIONS, JOB_SCHEMA, poolDb, QUEUES } from './queue';
import { queueDueReminders, REMINDER_SCHEDULE } from './reminders';

export { jobQueue, QUEUES } from './queue';
export { queueDueReminders } from './reminders';
export { recoverAbandonedJobs, recoverExpiredClaims, DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './invitation-delivery';

export interface JobsDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
}

export interface JobsOptions {
  delivery?: Partial<DeliveryOptions>;
  /** Seconds before the first retry of a transiently failed email (then doubling); default 5. */
  retryDelaySeconds?: number;
}

export interface Jobs {
  boss: PgBoss;
  /** Drains: stops taking jobs, lets the emails in flight finish, then stops pg-boss. */
  stop(): Promise<void>;
}

const DRAIN_TIMEOUT_MS = 20_000;

/**
 * The background side of the app, on the same PostgreSQL (schema `pgboss`): email delivery and the
 * scheduled reminder scan. Every instance may run it; pg-boss hands each job to one of them.
 */
export async function startJobs({ db, config, logger }: JobsDeps, options: JobsOptions = {}): Promise<Jobs> {
  const log = logger.child({ component: 'jobs' });
  const boss = new PgBoss({ db: poolDb(db), schema: JOB_SCHEMA, migrate: true, supervise: true, schedule: true });
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  await boss.start();
  await createQueues(boss);
  await boss.updateQueue(QUEUES.invitationEmail, {
    name: QUEUES.invitationEmail,
    ...EMAIL_QUEUE_OPTIONS,
    retryDelay: options.retryDelaySeconds ?? EMAIL_QUEUE_OPTIONS.retryDelay,
  });

  const mailer = createMailer({ db, config, logger });
  const delivery = startInvitationDelivery({ db, config, logger, boss, mailer }, options.delivery);
  await boss.schedule(QUEUES.invitationReminders, REMINDER_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(QUEUES.invitationReminders, async () => {
    const queued = await queueDueReminders(db, boss);
    if (queued > 0) log.info({ queued }, 'reminders queued');
  });
  log.info({ mail: mailer.mode }, 'jobs started');

  return {
    boss,
    async stop() {
      await delivery.stop();
      await boss.stop({ graceful: true, wait: true, close: false, timeout: DRAIN_TIMEOUT_MS });
      mailer.close();
      log.info('jobs stopped');
    },
  };
}
