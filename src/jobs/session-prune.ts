import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { QUEUES } from './queue';

/** Every 15 minutes, once across instances (the session store's own timer is switched off: src/web/middleware/session.ts). */
export const SESSION_PRUNE_SCHEDULE = '*/15 * * * *';

/** Deletes the dashboard sessions that have expired (table `session` of connect-pg-simple); returns how many. */
export async function pruneExpiredSessions(db: DataSource): Promise<number> {
  const rows: unknown[] = await db.query(`WITH pruned AS (DELETE FROM session WHERE expire < now() RETURNING 1) SELECT 1 FROM pruned`);
  return rows.length;
}

export async function startSessionPrune({ db, boss }: { db: DataSource; boss: PgBoss }): Promise<void> {
  await boss.schedule(QUEUES.sessionPrune, SESSION_PRUNE_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(QUEUES.sessionPrune, async () => {
    await pruneExpiredSessions(db);
  });
}
