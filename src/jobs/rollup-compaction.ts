import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { compactRollups } from '../modules/metrics';
import { QUEUES } from './queue';

/**
 * Every 10 minutes, once across instances (the queue's singleton policy also keeps a slow run from
 * overlapping the next). A day's shards can only be folded once the day is over, and answers dated in
 * the past (API history imports) add shards to old days, so a regular sweep keeps every key at one row.
 */
export const COMPACTION_SCHEDULE = '*/10 * * * *';

export async function startRollupCompaction({ db, logger, boss }: { db: DataSource; logger: Logger; boss: PgBoss }): Promise<void> {
  await boss.schedule(QUEUES.rollupCompaction, COMPACTION_SCHEDULE, {}, { tz: 'UTC' });
  await boss.work(QUEUES.rollupCompaction, async () => {
    try {
      await compactRollups(db);
    } catch (err) {
      // The rollups only stay sharded a while longer: the totals are right either way.
      logger.warn({ err }, 'rollup compaction failed');
      throw err;
    }
  });
}
