import type { DataSource, EntityManager } from 'typeorm';

/**
 * The rollups that make dashboard cost independent of the number of responses:
 *   response_daily       (survey, org-day, channel, score)  — channel split and channel filters;
 *   response_day_score   (survey, org-day, score)           — the edge days of a period;
 *   response_week_score  (survey, org-week, score)          — whole weeks and weekly trends.
 * The statement triggers on `responses` (FoldRollupDeltas migration) only append each statement's net
 * counts to `response_rollup_delta` (no index, nothing to wait for); foldRollupDeltas below, run every
 * second by one job process at a time (src/jobs/rollup-fold.ts), moves them into the rollups in one
 * transaction. Readers add the deltas not folded yet in the same statement (one snapshot): never stale,
 * never counted twice. Bulk loads switch the triggers off and rebuild the rollups with one aggregate;
 * `npm run metrics:verify` recomputes them from raw responses and reports any difference.
 */
const ROLLUP_TRIGGERS = ['responses_rollup_insert', 'responses_rollup_update', 'responses_rollup_delete'];

export const DELTA_TABLE = 'response_rollup_delta';

/**
 * The advisory lock of the one folder: held (transaction-level) by a fold and by a rebuild, so a rebuild
 * never interleaves with a fold, and two job processes never fold at the same time.
 */
export const FOLD_LOCK = 7_301_720_017;

interface RollupTable {
  table: string;
  keys: string[];
  /** The same key from a row (survey_id, day, channel, score, n) of the fine aggregate or of the delta table. */
  fromFine: string[];
}

export const ROLLUP_TABLES: RollupTable[] = [
  { table: 'response_daily', keys: ['survey_id', 'day', 'channel', 'score'], fromFine: ['survey_id', 'day', 'channel', 'score'] },
  { table: 'response_day_score', keys: ['survey_id', 'day', 'score'], fromFine: ['survey_id', 'day', 'score'] },
  { table: 'response_week_score', keys: ['survey_id', 'week', 'score'], fromFine: ['survey_id', `date_trunc('week', day)::date`, 'score'] },
];

/** Deltas not folded yet of surveys that still exist (those of a deleted survey are dropped by the fold). */
export const LIVE_DELTAS = `(SELECT x.* FROM ${DELTA_TABLE} x WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id))`;

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
  // After the table lock (no new delta can come), wait for a fold in progress: it cannot start meanwhile.
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, [FOLD_LOCK]);
  await tx.query(`SET LOCAL work_mem = '256MB'`);
  await tx.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE_AGGREGATE}`);
  await tx.query(`DELETE FROM ${DELTA_TABLE}`);
  for (const r of ROLLUP_TABLES) {
    await tx.query(`DELETE FROM ${r.table}`);
    await tx.query(
      `INSERT INTO ${r.table} (${r.keys.join(', ')}, count)
       SELECT ${r.fromFine.join(', ')}, sum(n) FROM fine GROUP BY ${r.fromFine.map((_, i) => i + 1).join(', ')}`,
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
  /** Delta rows not folded yet (counted in the comparison). */
  unfolded: number;
}

/**
 * Recomputes the histograms from raw responses per (survey, org-day, channel, score) and compares every
 * rollup, plus the deltas not folded yet, with it in one snapshot (answers arriving meanwhile cannot show up as
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
              roll AS (SELECT ${r.keys.join(', ')}, sum(n)::int AS n FROM (
                SELECT ${r.keys.join(', ')}, count AS n FROM ${r.table}
                UNION ALL SELECT ${cols}, n FROM ${LIVE_DELTAS} d) x GROUP BY ${groupBy}),
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
    const [{ unfolded }] = await runner.query(`SELECT count(*)::int AS unfolded FROM ${DELTA_TABLE}`);
    await runner.commitTransaction();
    return { responses: Number(responses), unfolded, differenceCounts, differences, disabledTriggers: await disabledRollupTriggers(db) };
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}

/**
 * Moves every delta into the rollups, in one transaction: the DELETE … RETURNING takes exactly the deltas
 * committed before it, and readers see them either in the delta table or in the rollups, never both
 * and never neither. Deltas of deleted surveys are dropped (their rollup rows went with the survey).
 * Returns the delta rows folded, or null when another folder holds the lock (it will fold them).
 */
export async function foldRollupDeltas(db: DataSource): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [{ locked }]: Array<{ locked: boolean }> = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [FOLD_LOCK]);
    if (!locked) return null;
    await tx.query(`CREATE TEMP TABLE IF NOT EXISTS rollup_fold_batch (
      survey_id uuid, kind text, day date, channel text, score smallint, n integer, live boolean) ON COMMIT DELETE ROWS`);
    const moved: Array<{ rows: number }> = await tx.query(
      `WITH moved AS (DELETE FROM ${DELTA_TABLE} RETURNING *),
       batch AS (
         INSERT INTO rollup_fold_batch (survey_id, kind, day, channel, score, n, live)
         SELECT m.survey_id, m.kind, m.day, m.channel, m.score, sum(m.n), EXISTS (SELECT 1 FROM surveys s WHERE s.id = m.survey_id)
         FROM moved m GROUP BY 1, 2, 3, 4, 5 HAVING sum(m.n) <> 0)
       SELECT count(*)::int AS rows FROM moved`,
    );
    if (moved[0].rows === 0) return 0;
    // Each key once per statement and in key order, so the upserts never lock rows in opposite orders.
    for (const r of ROLLUP_TABLES) {
      const keys = r.keys.join(', ');
      const groupBy = r.keys.map((_, i) => i + 1).join(', ');
      await tx.query(
        `INSERT INTO ${r.table} AS t (${keys}, count)
         SELECT ${r.fromFine.join(', ')}, sum(n) FROM rollup_fold_batch WHERE live GROUP BY ${groupBy} HAVING sum(n) <> 0 ORDER BY ${groupBy}
         ON CONFLICT (${keys}) DO UPDATE SET count = t.count + EXCLUDED.count`,
      );
    }
    return moved[0].rows;
  });
}
