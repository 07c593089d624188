import type PgBoss from 'pg-boss';
import type { AppDeps } from '../deps';
import { createMailer } from '../mail/mailer';
import { startContactImports, type ContactImportOptions } from './contact-import';
import { startDigestJobs, type DigestJobsOptions } from '../modules/digest';
import { startClosedLoop, type ClosedLoopOptions } from '../modules/alerts';
import { startThemeJobs } from '../modules/themes';
import { startAnalyticsJobs } from '../modules/analytics';
import { startInvitationDelivery, type DeliveryOptions } from './invitation-delivery';
import { EMAIL_QUEUE_OPTIONS, QUEUES } from './queue';
import { queueDueReminders, REMINDER_SCHEDULE } from './reminders';
import { startRollupFold } from './rollup-fold';
import { foldSegmentRollups } from '../modules/metrics';
import { startSessionPrune } from './session-prune';

export { JobQueue, QUEUES } from './queue';
export { queueDueReminders } from './reminders';
export { FOLD_INTERVAL_MS } from './rollup-fold';
export { SESSION_PRUNE_SCHEDULE } from './session-prune';
export { DEFAULT_CONTACT_IMPORT_OPTIONS, type ContactImportOptions } from './contact-import';
export { recoverAbandonedJobs, recoverExpiredClaims, DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './invitation-delivery';

const LEGACY_COMPACTION_QUEUE = 'rollup-compaction';

export interface JobsOptions {
  delivery?: Partial<DeliveryOptions>;
  /** Seconds before the first retry of a transiently failed email (then doubling); default 5. */
  retryDelaySeconds?: number;
  contactImports?: Partial<ContactImportOptions>;
  digest?: DigestJobsOptions;
  /** Detractor alerts, assignment notices and webhooks. */
  closedLoop?: ClosedLoopOptions;
  /** Milliseconds between two folds of the rollup deltas; default 1000. */
  rollupFoldIntervalMs?: number;
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
 * digest, detractor alerts and webhooks, the scheduled reminder scan and session pruning, and the rollup folder
 * (an in-process timer: one folder at a time across instances, through an advisory lock). Every instance may run
 * it; pg-boss hands each job to one of them.
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
  // The compaction of the sharded rollups is gone with the shards: drop its queue and schedule, if left.
  await boss.deleteQueue(LEGACY_COMPACTION_QUEUE);
  const folder = startRollupFold({ db, logger: log }, { intervalMs: options.rollupFoldIntervalMs });
  // The segment dimensions' rollups: their own folder (a dimension's first count must not hold up the score rollups).
  const segmentFolder = startRollupFold({ db, logger: log }, { intervalMs: options.rollupFoldIntervalMs, fold: foldSegmentRollups, name: 'segment' });
  await startSessionPrune({ db, boss });
  const digest = await startDigestJobs({ db, config, logger, boss, mailer }, options.digest);
  const closedLoop = await startClosedLoop({ db, config, logger, boss, mailer }, options.closedLoop);
  const themes = await startThemeJobs({ db, logger, boss });
  const analytics = await startAnalyticsJobs({ db, logger, boss });
  log.info({ mail: mailer.mode }, 'jobs started');

  return {
    boss,
    async stop() {
      await Promise.all([delivery.stop(), imports.stop(), digest.stop(), closedLoop.stop(), themes.stop(), analytics.stop(), folder.stop(), segmentFolder.stop()]);
      await boss.offWork(QUEUES.invitationReminders);
      await boss.offWork(QUEUES.sessionPrune);
      mailer.close();
      log.info('jobs stopped');
    },
  };
}
