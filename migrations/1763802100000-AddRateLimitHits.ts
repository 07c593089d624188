import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate limit counts shared by every app instance: each instance adds its hits per limiter, key and fixed
 * window about once a second (src/modules/rate-limits). Unlogged: after a crash of PostgreSQL the counts
 * start again from zero, which costs nothing worth a WAL write per sync.
 */
export class AddRateLimitHits1763802100000 implements MigrationInterface {
  name = 'AddRateLimitHits1763802100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_hits (
        limiter text NOT NULL,
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        -- Below zero only for a moment (a decrement synced before its hit); read as zero.
        hits integer NOT NULL,
        PRIMARY KEY (limiter, window_start, key)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rate_limit_hits`);
  }
}
