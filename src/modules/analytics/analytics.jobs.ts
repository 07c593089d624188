import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from '../../logger';
import { addDays, zonedDay } from '../../time';
import { getJourneyCatalog } from '../metrics';
import { getSettings } from '../settings';
import { DEFAULT_DRIVER_DAYS, rebuildAtRisk, refreshAtRiskContacts, refreshDrivers, refreshReadDrivers, type DriversQuery } from './analytics.service';

/**
 * Journey analytics on the app's one job queue:
 * - `key-drivers`: one period's drivers, queued on demand (an editor's "recompute", a stale result read);
 * - `key-drivers-nightly` (03:00 UTC): every period read in the last week, plus the last 90 days for the
 *   whole journey and per stage (what the pages open on), recomputed;
 * - `at-risk` (every 2 minutes, singleton): the contacts with new answers or follow-up changes, and those
 *   the clock moved; `at-risk-rebuild` (02:30 UTC) rebuilds the whole table as a check.
 */
export const ANALYTICS_QUEUES = {
  drivers: 'key-drivers',
  driversNightly: 'key-drivers-nightly',
  atRisk: 'at-risk',
  atRiskRebuild: 'at-risk-rebuild',
} as const;

export const AT_RISK_SCHEDULE = '*/2 * * * *';
const DRIVERS_NIGHTLY = '0 3 * * *';
const AT_RISK_REBUILD = '30 2 * * *';

export async function createAnalyticsQueues(boss: PgBoss): Promise<void> {
  // singletonKey per period: two "recompute" clicks while one waits queue one job.
  await boss.createQueue(ANALYTICS_QUEUES.drivers, { name: ANALYTICS_QUEUES.drivers, policy: 'stately', retryLimit: 2, retryDelay: 60 });
  await boss.createQueue(ANALYTICS_QUEUES.driversNightly, { name: ANALYTICS_QUEUES.driversNightly, policy: 'singleton', retryLimit: 1 });
  await boss.createQueue(ANALYTICS_QUEUES.atRisk, { name: ANALYTICS_QUEUES.atRisk, policy: 'singleton', retryLimit: 0 });
  await boss.createQueue(ANALYTICS_QUEUES.atRiskRebuild, { name: ANALYTICS_QUEUES.atRiskRebuild, policy: 'singleton', retryLimit: 1 });
}

/** Queues a recomputation of one period's drivers (creating the queue if this instance runs no workers yet). */
export async function enqueueDrivers(boss: PgBoss, q: DriversQuery): Promise<void> {
  if (!(await boss.getQueue(ANALYTICS_QUEUES.drivers))) await createAnalyticsQueues(boss);
  await boss.send(ANALYTICS_QUEUES.drivers, q, { singletonKey: `${q.from}..${q.to}|${q.stageKey ?? '*'}` });
}

/** The periods the pages open on: the last 90 days, whole journey and each stage. */
export async function defaultDriverScopes(db: DataSource, now = new Date()): Promise<DriversQuery[]> {
  const { timeZone } = await getSettings(db);
  const to = zonedDay(now, timeZone);
  const from = addDays(to, 1 - DEFAULT_DRIVER_DAYS);
  const catalog = await getJourneyCatalog(db);
  return [{ from, to }, ...catalog.stages.map((s) => ({ from, to, stageKey: s.key }))];
}

export async function startAnalyticsJobs({ db, logger, boss }: { db: DataSource; logger: Logger; boss: PgBoss }): Promise<{ stop(): Promise<void> }> {
  const log = logger.child({ component: 'analytics' });
  await createAnalyticsQueues(boss);
  await boss.schedule(ANALYTICS_QUEUES.driversNightly, DRIVERS_NIGHTLY, {}, { tz: 'UTC' });
  await boss.schedule(ANALYTICS_QUEUES.atRisk, AT_RISK_SCHEDULE, {}, { tz: 'UTC' });
  await boss.schedule(ANALYTICS_QUEUES.atRiskRebuild, AT_RISK_REBUILD, {}, { tz: 'UTC' });
  await boss.work<DriversQuery>(ANALYTICS_QUEUES.drivers, async ([job]) => {
    const started = Date.now();
    await refreshDrivers(db, job.data);
    log.info({ ms: Date.now() - started, from: job.data.from, to: job.data.to, stage: job.data.stageKey ?? null }, 'key drivers computed');
  });
  await boss.work(ANALYTICS_QUEUES.driversNightly, async () => {
    const started = Date.now();
    const n = await refreshReadDrivers(db, await defaultDriverScopes(db));
    log.info({ periods: n, ms: Date.now() - started }, 'key drivers refreshed');
  });
  await boss.work(ANALYTICS_QUEUES.atRisk, async () => {
    const started = Date.now();
    const r = await refreshAtRiskContacts(db);
    if (r.contacts !== 0) log.info({ ...r, ms: Date.now() - started }, 'at-risk contacts refreshed');
  });
  await boss.work(ANALYTICS_QUEUES.atRiskRebuild, async () => {
    const started = Date.now();
    const n = await rebuildAtRisk(db);
    log.info({ atRisk: n, ms: Date.now() - started }, 'at-risk contacts rebuilt');
  });
  return {
    async stop() {
      for (const q of Object.values(ANALYTICS_QUEUES)) await boss.offWork(q);
    },
  };
}
