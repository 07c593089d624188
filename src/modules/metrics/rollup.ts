import type { DataSource, EntityManager } from 'typeorm';

/**
 * The rollups that make dashboard cost independent of the number of responses, all kept by the triggers
 * on `responses` (core schema and AddScoreRollups migrations), each row sharded by backend:
 *   response_daily       (survey, org-day, channel, score)  — channel split and channel filters;
 *   response_day_score   (survey, org-day, score)           — the edge days of a period;
 *   response_week_score  (survey, org-week, score)          — whole weeks and weekly trends.
 * Bulk loads switch the triggers off and rebuild the rollups with one aggregate; `npm run metrics:verify`
 * recomputes them from raw responses and reports any difference.
 */
const ROLLUP_TRIGGERS = ['responses_rollup_insert', 'responses_rollup_update', 'responses_rollup_delete'];

interface RollupTable {
  table: string;
  /** Key columns besides the shard, in the table's column names. */
  keys: string[];
  /** The same key from the finest-grain aggregate `fine` (survey_id, day, channel, score, n). */
  fromFine: string[];
  /** The time column and the oldest value still being written to, for compaction. */
  time: string;
  current: string;
}

const ORG_TODAY = `touchpoint_org_day(now())`;

export const ROLLUP_TABLES: RollupTable[] = [
  {
    table: 'response_daily', keys: ['survey_id', 'day', 'channel', 'score'], fromFine: ['survey_id', 'day', 'channel', 'score'],
    time: 'day', current: `${ORG_TODAY} - 1`,
  },
  {
    table: 'response_day_score', keys: ['survey_id', 'day', 'score'], fromFine: ['survey_id', 'day', 'score'],
    time: 'day', current: `${ORG_TODAY} - 1`,
  },
  {
    table: 'response_week_score', keys: ['survey_id', 'week', 'score'], fromFine: ['survey_id', `date_trunc('week', day)::date`, 'score'],
    time: 'week', current: `date_trunc('week', ${ORG_TODAY} - 1)::date`,
  },
];

/** Raw responses counted per (survey, org-day, channel, score), the day computed as the trigger does. */
const FINE_AGGREGATE = `
  SELECT r.survey_id, (r.created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, r.channel, r.score, count(*)::int AS n
  FROM responses r GROUP BY 1, 2, 3, 4`;

export async function setRollupTrigger(db: DataSource, enabled: boolean): Promise<void> {
  for (const name of ROLLUP_TRIGGERS) await db.query(`ALTER TABLE responses ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
}

/** Names of rollup triggers that are switched off (an interrupted bulk load leaves them so). */
export async function disabledRollupTriggers(db: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await db.query(
    `SELECT tgname AS name FROM pg_trigger WHERE tgrelid = 'responses'::regclass AND tgname = ANY($1) AND tgenabled = 'D' ORDER BY tgname`,
    [ROLLUP_TRIGGERS],
  );
  return rows.map((r) => r.name);
}

/**
 * Recomputes every rollup from raw responses with one aggregate. Writers wait meanwhile (the lock), so no
 * answer can fall between the aggregate and the trigger; readers keep reading the old rollups until commit.
 */
export async function rebuildRollups(db: DataSource, opts: { enableTrigger?: boolean } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    if (opts.enableTrigger) {
      for (const name of ROLLUP_TRIGGERS) await tx.query(`ALTER TABLE responses ENABLE TRIGGER ${name}`);
    }
    await rebuildRollupsInTransaction(tx);
  });
}

/**
 * The same inside a caller's transaction: the settings page uses it when the time zone changes, so the
 * new zone and the days counted in it commit together.
 */
export async function rebuildRollupsInTransaction(tx: EntityManager): Promise<void> {
  await tx.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
  await tx.query(`SET LOCAL work_mem = '256MB'`);
  await tx.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE_AGGREGATE}`);
  for (const r of ROLLUP_TABLES) {
    await tx.query(`DELETE FROM ${r.table}`);
    await tx.query(
      `INSERT INTO ${r.table} (${r.keys.join(', ')}, shard, count)
       SELECT ${r.fromFine.join(', ')}, 0, sum(n) FROM fine GROUP BY ${r.fromFine.map((_, i) => i + 1).join(', ')}`,
    );
  }
}

export interface RollupDifference {
  table: string;
  key: Record<string, string | number>;
  raw: number;
  rollup: number;
}

export interface RollupVerification {
  responses: number;
  /** Per rollup table: how many keys differ from the recomputation. */
  differenceCounts: Record<string, number>;
  /** The first differences of each table, for the report. */
  differences: RollupDifference[];
  disabledTriggers: string[];
}

/**
 * Recomputes the histograms from raw responses per (survey, org-day, channel, score) and compares every
 * rollup with it, summed over shards, in one snapshot (answers arriving meanwhile cannot show up as
 * differences). This scans every response: it is a check, not something a page does.
 */
export async function verifyRollups(db: DataSource, opts: { limit?: number } = {}): Promise<RollupVerification> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query(`SET LOCAL work_mem = '256MB'`);
    await runner.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE_AGGREGATE}`);
    const [{ responses }] = await runner.query(`SELECT coalesce(sum(n), 0)::bigint::text AS responses FROM fine`);
    const differenceCounts: Record<string, number> = {};
    const differences: RollupDifference[] = [];
    for (const r of ROLLUP_TABLES) {
      const cols = r.keys.map((k, i) => `${r.fromFine[i]} AS ${k}`).join(', ');
      const groupBy = r.keys.map((_, i) => i + 1).join(', ');
      const rows: Array<Record<string, unknown> & { raw: number; rollup: number; total: number }> = await runner.query(
        `WITH raw AS (SELECT ${cols}, sum(n)::int AS n FROM fine GROUP BY ${groupBy}),
              roll AS (SELECT ${r.keys.join(', ')}, sum(count)::int AS n FROM ${r.table} GROUP BY ${groupBy}),
              diff AS (
                SELECT ${r.keys.join(', ')}, coalesce(raw.n, 0) AS raw, coalesce(roll.n, 0) AS rollup
                FROM raw FULL JOIN roll USING (${r.keys.join(', ')})
                WHERE coalesce(raw.n, 0) <> coalesce(roll.n, 0))
         SELECT *, count(*) OVER ()::int AS total FROM diff ORDER BY ${groupBy} LIMIT $1`,
        [opts.limit ?? 20],
      );
      differenceCounts[r.table] = rows[0]?.total ?? 0;
      for (const row of rows) {
        const key: Record<string, string | number> = {};
        for (const k of r.keys) {
          const value = row[k];
          // date columns come back as Date at local midnight: print them as the calendar day they are.
          key[k] = value instanceof Date ? `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}` : value as string | number;
        }
        differences.push({ table: r.table, key, raw: row.raw, rollup: row.rollup });
      }
    }
    await runner.commitTransaction();
    return { responses: Number(responses), differenceCounts, differences, disabledTriggers: await disabledRollupTriggers(db) };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}

/**
 * Folds the shards of past days and weeks into shard 0 and drops keys whose total is 0. Live answers
 * spread over up to 16 shards per key so they never wait on each other; once a day is over its shards
 * only cost reads. Each table is one atomic statement, so totals never change, even with answers and
 * other compactions running at the same time. Run by the scheduled `rollup-compaction` job (src/jobs).
 */
export async function compactRollups(db: DataSource): Promise<void> {
  for (const r of ROLLUP_TABLES) {
    const keys = r.keys.join(', ');
    await db.query(
      `WITH moved AS (
         DELETE FROM ${r.table} WHERE shard <> 0 AND ${r.time} < ${r.current} RETURNING ${keys}, count
       )
       INSERT INTO ${r.table} AS t (${keys}, shard, count)
       SELECT ${keys}, 0, sum(count) FROM moved GROUP BY ${r.keys.map((_, i) => i + 1).join(', ')}
       ON CONFLICT (${keys}, shard) DO UPDATE SET count = t.count + EXCLUDED.count`,
    );
    await db.query(`DELETE FROM ${r.table} WHERE shard = 0 AND count = 0 AND ${r.time} < ${r.current}`);
  }
}
