import type PgBoss from 'pg-boss';
import type { AppDeps } from '../deps';
import { createMailer } from '../mail/mailer';
import { startDigestJobs, type DigestJobsOptions } from '../modules/digest';
import { startInvitationDelivery, type DeliveryOptions } from './invitation-delivery';
import { EMAIL_QUEUE_OPTIONS, QUEUES } from './queue';
import { queueDueReminders, REMINDER_SCHEDULE } from './reminders';

export { JobQueue, QUEUES } from './queue';
export { queueDueReminders } from './reminders';
export { recoverAbandonedJobs, recoverExpiredClaims, DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './invitation-delivery';

export interface JobsOptions {
  delivery?: Partial<DeliveryOptions>;
  /** Seconds before the first retry of a transiently failed email (then doubling); default 5. */
  retryDelaySeconds?: number;
  digest?: DigestJobsOptions;
}

export interface Jobs {
  boss: PgBoss;
  /** Drains: stops taking jobs and lets the emails in flight finish; pg-boss itself stops with the queue. */
  stop(): Promise<void>;
}

/**
 * The background side of the app, on the app's one job queue: email delivery, the scheduled reminder
 * scan and the score digest. Every instance may run it; pg-boss hands each job to one of them.
 */
export async function startJobs({ db, config, logger, queue }: AppDeps, options: JobsOptions = {}): Promise<Jobs> {
  const log = logger.child({ component: 'jobs' });
  const boss = await queue.start();
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
  const digest = await startDigestJobs({ db, config, logger, boss, mailer }, options.digest);
  log.info({ mail: mailer.mode }, 'jobs started');

  return {
    boss,
    async stop() {
      await delivery.stop();
      await digest.stop();
      await boss.offWork(QUEUES.invitationReminders);
      mailer.close();
      log.info('jobs stopped');
    },
  };
}
