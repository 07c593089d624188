import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import { QUEUES, WEBHOOK_QUEUE_OPTIONS, type AlertEmailJob, type WebhookDeliveryJob } from '../../jobs/queue';
import { Waits } from '../../jobs/waits';
import type { Logger } from '../../logger';
import { MailDeliveryError, type Mailer } from '../../mail/mailer';
import { getSettings } from '../settings';
import { attemptWebhookDelivery, DEFAULT_WEBHOOK_DELIVERY, getWebhookAdmins, pruneWebhookDeliveries, type DeliveryOptions } from '../webhooks';
import { buildAlertEmail, buildWebhookDisabledEmail } from './alerts.email';
import { DEFAULT_GROUPING, dispatchEvents, getAlertEmail, pruneAlertHistory, queueDueAlertEmails, settleAlertEmail, type GroupingOptions } from './alerts.service';

/**
 * The closed loop on the app's job side: a dispatcher that polls the event outbox (and groups due alert
 * items into emails), the alert email worker and the webhook delivery worker, both on the one pg-boss
 * queue. Every instance may run them: the outbox and the alert items are claimed with SKIP LOCKED, jobs
 * are handed to one worker by pg-boss. Nothing here runs in a request.
 */

export interface ClosedLoopOptions {
  /** How often the outbox is polled when it was empty (ms). */
  pollIntervalMs?: number;
  grouping?: Partial<GroupingOptions>;
  webhooks?: Partial<DeliveryOptions>;
  /** Overrides the webhook queue's first retry delay (seconds; then doubling). */
  webhookRetryDelaySeconds?: number;
  webhookRetryLimit?: number;
  /** Webhook attempts in flight at once. */
  webhookConcurrency?: number;
}

export interface ClosedLoopDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
  boss: PgBoss;
  mailer: Mailer;
}

type Outcome = 'complete' | 'retry';

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * A fetch loop over one queue: up to `concurrency` jobs at a time, each completed or failed (retried by
 * pg-boss with the queue's backoff) on its own. `wake()` ends the wait between empty polls.
 */
function jobLoop<T extends object>(boss: PgBoss, queue: string, opts: { concurrency: number; pollMs: number }, log: Logger,
  handle: (job: PgBoss.JobWithMetadata<T>) => Promise<Outcome>) {
  const waits = new Waits();
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      try {
        const jobs = await boss.fetch<T>(queue, { batchSize: opts.concurrency, includeMetadata: true });
        if (jobs.length === 0) {
          await waits.wait(opts.pollMs);
          continue;
        }
        await Promise.all(jobs.map(async (job) => {
          let outcome: Outcome;
          try {
            outcome = await handle(job);
          } catch (err) {
            log.error({ err, queue, jobId: job.id }, 'job failed');
            outcome = 'retry';
          }
          if (outcome === 'complete') await boss.complete(queue, job.id);
          else await boss.fail(queue, job.id, { message: 'retry' });
        }));
      } catch (err) {
        log.error({ err, queue }, 'job loop error');
        await waits.wait(opts.pollMs);
      }
    }
  })();
  return {
    wake: () => waits.wakeAll(),
    async stop() {
      stopping = true;
      waits.wakeAll();
      await running;
    },
  };
}

export async function startClosedLoop(deps: ClosedLoopDeps, options: ClosedLoopOptions = {}): Promise<{ stop(): Promise<void> }> {
  const { db, config, boss, mailer } = deps;
  const log = deps.logger.child({ component: 'closed-loop' });
  const pollMs = options.pollIntervalMs ?? 500;
  const grouping = { ...DEFAULT_GROUPING, ...options.grouping };
  const hookOptions = { ...DEFAULT_WEBHOOK_DELIVERY, ...options.webhooks };
  await boss.updateQueue(QUEUES.webhookDelivery, {
    name: QUEUES.webhookDelivery,
    ...WEBHOOK_QUEUE_OPTIONS,
    retryDelay: options.webhookRetryDelaySeconds ?? WEBHOOK_QUEUE_OPTIONS.retryDelay,
    retryLimit: options.webhookRetryLimit ?? WEBHOOK_QUEUE_OPTIONS.retryLimit,
  });

  async function tellAdmins(disabled: { webhookId: string; url: string; reason: string }): Promise<void> {
    const [admins, settings] = await Promise.all([getWebhookAdmins(db), getSettings(db)]);
    for (const admin of admins) {
      try {
        await mailer.send(buildWebhookDisabledEmail(admin, disabled, settings.brand, config.baseUrl));
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err), webhookId: disabled.webhookId }, 'could not tell an admin that a webhook was disabled');
      }
    }
    log.warn({ webhookId: disabled.webhookId }, 'webhook disabled after repeated failures');
  }

  const emails = jobLoop<AlertEmailJob>(boss, QUEUES.alertEmail, { concurrency: 10, pollMs }, log, async (job) => {
    const data = await getAlertEmail(db, job.data.emailId);
    if (!data || data.status !== 'queued') return 'complete';
    const mail = buildAlertEmail(data, config.baseUrl);
    if (!mail) {
      await settleAlertEmail(db, data.id, { status: 'failed', error: 'Nothing left to tell: the answers were deleted' });
      return 'complete';
    }
    try {
      await mailer.send(mail);
    } catch (err) {
      const failure = err instanceof MailDeliveryError ? err : new MailDeliveryError(String(err), 'transient', false, null);
      if (failure.permanent || job.retryCount >= job.retryLimit) {
        await settleAlertEmail(db, data.id, { status: 'failed', error: failure.message });
        return 'complete';
      }
      return 'retry';
    }
    await settleAlertEmail(db, data.id, { status: 'sent' });
    return 'complete';
  });

  const hooks = jobLoop<WebhookDeliveryJob>(boss, QUEUES.webhookDelivery, { concurrency: options.webhookConcurrency ?? 10, pollMs }, log, async (job) => {
    const outcome = await attemptWebhookDelivery(db, config, job.data.deliveryId, job.retryCount >= job.retryLimit, hookOptions);
    if (outcome.disabled) await tellAdmins(outcome.disabled);
    return outcome.result;
  });

  const waits = new Waits();
  let stopping = false;
  let prunedAt = 0;
  const dispatcher = (async () => {
    while (!stopping) {
      try {
        if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await pruneWebhookDeliveries(db);
          await pruneAlertHistory(db);
        }
        const taken = await dispatchEvents(db, boss);
        if (taken > 0) hooks.wake();
        if ((await queueDueAlertEmails(db, boss, grouping)) > 0) emails.wake();
        if (taken === 0) await waits.wait(pollMs);
      } catch (err) {
        log.error({ err }, 'event dispatch error');
        await waits.wait(pollMs);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      waits.wakeAll();
      await dispatcher;
      await Promise.all([emails.stop(), hooks.stop()]);
    },
  };
}
