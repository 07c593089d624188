import type PgBoss from 'pg-boss';
import type { AppDeps } from '../deps';
import { createMailer } from '../mail/mailer';
import { startContactImports, type ContactImportOptions } from './contact-import';
import { startDigestJobs, type DigestJobsOptions } from '../modules/digest';
import { startThemeJobs } from '../modules/themes';
import { startInvitationDelivery, type DeliveryOptions } from './invitation-delivery';
import { EMAIL_QUEUE_OPTIONS, QUEUES } from './queue';
import { queueDueReminders, REMINDER_SCHEDULE } from './reminders';
import { startRollupCompaction } from './rollup-compaction';
import { startSessionPrune } from './session-prune';

export { JobQueue, QUEUES } from './queue';
export { queueDueReminders } from './reminders';
export { COMPACTION_SCHEDULE } from './rollup-compaction';
export { SESSION_PRUNE_SCHEDULE } from './session-prune';
export { DEFAULT_CONTACT_IMPORT_OPTIONS, type ContactImportOptions } from './contact-import';
export { recoverAbandonedJobs, recoverExpiredClaims, DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './invitation-delivery';

export interface JobsOptions {
  delivery?: Partial<DeliveryOptions>;
  /** Seconds before the first retry of a transiently failed email (then doubling); default 5. */
  retryDelaySeconds?: number;
  contactImports?: Partial<ContactImportOptions>;
  digest?: DigestJobsOptions;
}

export interface Jobs {
  boss: PgBoss;
  /**
   * Drains: stops taking jobs, lets the emails in flight finish and pauses imports after their current
   * chunk (their rest is queued); pg-boss itself stops with the queue.
   */
  stop(): Promise<void>;
}

/**
 * The background side of the app, on the app's one job queue: email delivery, contact imports, the score
 * digest, and the scheduled reminder scan, rollup compaction and session pruning. Every instance may run it;
 * pg-boss hands each job to one of them. Nothing else in the app runs work on a timer.
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
  const imports = await startContactImports({ db, logger, boss }, options.contactImports);
  await boss.schedule(QUEUES.invitationReminders, REMINDER_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(QUEUES.invitationReminders, async () => {
    const queued = await queueDueReminders(db, boss);
    if (queued > 0) log.info({ queued }, 'reminders queued');
  });
  await startRollupCompaction({ db, logger: log, boss });
  await startSessionPrune({ db, boss });
  const digest = await startDigestJobs({ db, config, logger, boss, mailer }, options.digest);
  const themes = await startThemeJobs({ db, logger, boss });
  log.info({ mail: mailer.mode }, 'jobs started');

  return {
    boss,
    async stop() {
      await Promise.all([delivery.stop(), imports.stop(), digest.stop(), themes.stop()]);
      await boss.offWork(QUEUES.invitationReminders);
      await boss.offWork(QUEUES.rollupCompaction);
      await boss.offWork(QUEUES.sessionPrune);
      mailer.close();
      log.info('jobs stopped');
    },
  };
}
