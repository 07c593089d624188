import type { DataSource, EntityManager } from 'typeorm';
import { denseCumulative } from './rollup';

/**
 * Rollups of the segment dimensions (migrations AddSegmentRollups, AddSegmentKindRollup): per chosen contact
 * attribute or hidden field, `segment_score_cum` (dimension, day, value, survey, score) -> answers on
 * org-days <= day, dense like `response_score_cum` up to `segment_cum_horizon`, so any period of any
 * dimension is two index range reads of (values × surveys × scores) rows, whatever the number of answers;
 * and `segment_kind_cum` (dimension, day, value, kind, score), the same summed over the surveys of each
 * kind (values × kinds × scores rows), which the comparison page and the API read.
 *
 * Upkeep: statement triggers on `responses` and `contacts` append signed counts to `segment_rollup_delta`
 * (a contact attribute counts at its current value: an edit or an import moves the contact's answers, an
 * erasure takes them out); the segment folder (src/jobs/rollup-fold.ts, every second, one at a time)
 * moves them in. A dimension just chosen, and every dimension after a time-zone change or a bulk rebuild,
 * is "stale" (`built_at` null) until the folder has rebuilt it from raw answers; meanwhile reads count raw
 * answers over the period (correct, only slower).
 */
export const SEGMENT_FOLD_LOCK = 7_301_720_018;

export const SEGMENT_TABLES = ['segment_score_cum', 'segment_kind_cum', 'segment_rollup_delta', 'segment_cum_horizon'];

export type DimensionSource = 'attribute' | 'hidden';

/** The id of a dimension in the rollups and the API: `attribute:persona`, `hidden:store`. */
export const dimensionId = (source: DimensionSource, key: string): string => `${source}:${key}`;

/**
 * Raw answers per (value, survey, org-day, score) of one dimension, as the triggers count them
 * ($1 source, $2 key). A check and a rebuild read this; pages read it only while a dimension is stale.
 */
export const SEGMENT_RAW = `
  SELECT v.value, r.survey_id, s.kind, (r.created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, r.score, count(*)::int AS n
  FROM responses r
  LEFT JOIN contacts c ON $1::text = 'attribute' AND c.id = r.contact_id
  CROSS JOIN LATERAL (SELECT segment_value(CASE WHEN $1::text = 'attribute' THEN c.attributes ELSE r.hidden END, $2::text)) v(value)
  JOIN surveys s ON s.id = r.survey_id
  WHERE v.value IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5`;

/** Moves the horizon to `next`, carrying every key of the day before forward (the caller holds the fold lock). */
async function advanceHorizon(tx: EntityManager, next: string): Promise<string> {
  const [{ horizon }]: Array<{ horizon: string | null }> = await tx.query(`SELECT (SELECT day::text FROM segment_cum_horizon) AS horizon`);
  if (horizon === null) {
    await tx.query(`INSERT INTO segment_cum_horizon (day) VALUES ($1::date)`, [next]);
    return next;
  }
  if (horizon >= next) return horizon;
  await tx.query(
    `INSERT INTO segment_score_cum (day, dimension, value, survey_id, score, cum)
     SELECT g.day::date, c.dimension, c.value, c.survey_id, c.score, c.cum FROM segment_score_cum c
     CROSS JOIN generate_series($1::timestamp + interval '1 day', $2::timestamp, interval '1 day') g(day)
     WHERE c.day = $1::date ORDER BY 2, 1, 3, 4, 5`,
    [horizon, next],
  );
  await tx.query(
    `INSERT INTO segment_kind_cum (day, dimension, value, kind, score, cum)
     SELECT g.day::date, c.dimension, c.value, c.kind, c.score, c.cum FROM segment_kind_cum c
     CROSS JOIN generate_series($1::timestamp + interval '1 day', $2::timestamp, interval '1 day') g(day)
     WHERE c.day = $1::date ORDER BY 2, 1, 3, 4, 5`,
    [horizon, next],
  );
  await tx.query(`UPDATE segment_cum_horizon SET day = $1::date`, [next]);
  return next;
}

/**
 * Moves every segment delta into `segment_score_cum` and `segment_kind_cum` in one transaction (as
 * foldRollupDeltas does for the score rollups). Deltas of a dimension no longer chosen or of a stale one (it
 * is recounted from raw answers next) are dropped; those of a deleted survey go into the per-kind rollup only
 * (with the negated answers its deletion appended, they take the survey out of it; its per-survey rows went
 * with it).
 * Returns the delta rows folded, or null when another folder holds the lock.
 */
export async function foldSegmentDeltas(db: DataSource): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [{ locked }]: Array<{ locked: boolean }> = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SEGMENT_FOLD_LOCK]);
    if (!locked) return null;
    await tx.query(`SET LOCAL enable_mergejoin = off`); // as in rebuildStaleSegment
    await tx.query(`CREATE TEMP TABLE IF NOT EXISTS segment_fold_batch (
      dimension text, value text, survey_id uuid, kind text, live boolean, day date, score smallint, n integer) ON COMMIT DELETE ROWS`);
    const [{ rows }]: Array<{ rows: number }> = await tx.query(
      `WITH moved AS (DELETE FROM segment_rollup_delta RETURNING *),
       batch AS (
         INSERT INTO segment_fold_batch (dimension, value, survey_id, kind, live, day, score, n)
         SELECT m.dimension, m.value, m.survey_id, m.kind, EXISTS (SELECT 1 FROM surveys s WHERE s.id = m.survey_id), m.day, m.score, sum(m.n)
         FROM moved m
         -- A stale dimension is recounted from raw answers anyway (its deltas would only be work thrown away).
         WHERE EXISTS (SELECT 1 FROM segment_dimensions d WHERE d.source || ':' || d.key = m.dimension AND d.built_at IS NOT NULL)
         GROUP BY 1, 2, 3, 4, 6, 7 HAVING sum(m.n) <> 0)
       SELECT count(*)::int AS rows FROM moved`,
    );
    const [{ next }]: Array<{ next: string }> = await tx.query(
      `SELECT greatest((SELECT day FROM segment_cum_horizon), touchpoint_org_day(now()), (SELECT max(day) FROM segment_fold_batch))::text AS next`,
    );
    const horizon = await advanceHorizon(tx, next);
    if (rows === 0) return 0;
    // A delta on day d adds to every row of its key from d to the horizon; keys in order, so upserts never deadlock.
    await tx.query(
      `WITH src AS (SELECT dimension, value, survey_id, score, day, sum(n)::int AS n FROM segment_fold_batch WHERE live GROUP BY 1, 2, 3, 4, 5)
       INSERT INTO segment_score_cum AS t (day, dimension, value, survey_id, score, cum)
       SELECT day, dimension, value, survey_id, score, cum FROM (${denseCumulative('src', ['dimension', 'value', 'survey_id', 'score'], '$1::date')}) x
       ORDER BY 2, 1, 3, 4, 5
       ON CONFLICT (dimension, day, value, survey_id, score) DO UPDATE SET cum = t.cum + EXCLUDED.cum`,
      [horizon],
    );
    await tx.query(
      `WITH src AS (SELECT dimension, value, kind, score, day, sum(n)::int AS n FROM segment_fold_batch GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0)
       INSERT INTO segment_kind_cum AS t (day, dimension, value, kind, score, cum)
       SELECT day, dimension, value, kind, score, cum FROM (${denseCumulative('src', ['dimension', 'value', 'kind', 'score'], '$1::date')}) x
       ORDER BY 2, 1, 3, 4, 5
       ON CONFLICT (dimension, day, value, kind, score) DO UPDATE SET cum = t.cum + EXCLUDED.cum`,
      [horizon],
    );
    return rows;
  });
}

/**
 * Counts one stale dimension from raw answers (writers of answers and contacts wait meanwhile, so none can
 * fall between the count and the triggers). Returns the dimension rebuilt, or null when none is stale or
 * another folder holds the lock.
 */
export async function rebuildStaleSegment(db: DataSource): Promise<string | null> {
  const [stale]: Array<{ source: DimensionSource; key: string }> = await db.query(
    `SELECT source, key FROM segment_dimensions WHERE built_at IS NULL ORDER BY source, position, key LIMIT 1`);
  if (!stale) return null;
  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await tx.query(`LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE`);
    const [{ locked }]: Array<{ locked: boolean }> = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SEGMENT_FOLD_LOCK]);
    if (!locked) return null;
    const still: unknown[] = await tx.query(`SELECT 1 FROM segment_dimensions WHERE source = $1 AND key = $2 AND built_at IS NULL FOR UPDATE`, [stale.source, stale.key]);
    if (still.length === 0) return null;
    const id = dimensionId(stale.source, stale.key);
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    // The dense expansion joins on (value, survey, score, day): a merge join on the first three filters the days
    // row by row (millions of rows removed at 20 k answers); a hash join on all four does not.
    await tx.query(`SET LOCAL enable_mergejoin = off`);
    await tx.query(`CREATE TEMP TABLE segment_fine ON COMMIT DROP AS ${SEGMENT_RAW}`, [stale.source, stale.key]);
    // Statistics for the dense expansion's join (a temporary table has none: the planner would guess a few rows).
    await tx.query(`ANALYZE segment_fine`);
    await tx.query(`DELETE FROM segment_rollup_delta WHERE dimension = $1`, [id]);
    await tx.query(`DELETE FROM segment_score_cum WHERE dimension = $1`, [id]);
    await tx.query(`DELETE FROM segment_kind_cum WHERE dimension = $1`, [id]);
    const [{ next }]: Array<{ next: string }> = await tx.query(
      `SELECT greatest((SELECT day FROM segment_cum_horizon), touchpoint_org_day(now()), (SELECT max(day) FROM segment_fine))::text AS next`);
    const horizon = await advanceHorizon(tx, next);
    await tx.query(
      `INSERT INTO segment_score_cum (day, dimension, value, survey_id, score, cum)
       SELECT day, $1, value, survey_id, score, cum FROM (${denseCumulative('segment_fine', ['value', 'survey_id', 'score'], '$2::date')}) x
       ORDER BY 1, 3, 4, 5`,
      [id, horizon],
    );
    await tx.query(`CREATE TEMP TABLE segment_fine_kind ON COMMIT DROP AS SELECT value, kind, day, score, sum(n)::int AS n FROM segment_fine GROUP BY 1, 2, 3, 4`);
    await tx.query(`ANALYZE segment_fine_kind`);
    await tx.query(
      `INSERT INTO segment_kind_cum (day, dimension, value, kind, score, cum)
       SELECT day, $1, value, kind, score, cum FROM (${denseCumulative('segment_fine_kind', ['value', 'kind', 'score'], '$2::date')}) x
       ORDER BY 1, 3, 4, 5`,
      [id, horizon],
    );
    await tx.query(`UPDATE segment_dimensions SET built_at = now() WHERE source = $1 AND key = $2`, [stale.source, stale.key]);
    return id;
  });
}

/** Folds the segment deltas, then rebuilds stale dimensions one by one: the segment folder's tick. */
export async function foldSegmentRollups(db: DataSource): Promise<void> {
  await foldSegmentDeltas(db);
  while (await rebuildStaleSegment(db) !== null) { /* one dimension per transaction */ }
}

export interface SegmentDifference {
  table: 'segment_score_cum' | 'segment_kind_cum';
  dimension: string;
  value: string;
  /** The survey (segment_score_cum) or the metric kind (segment_kind_cum). */
  key: string;
  day: string;
  score: number;
  raw: number;
  rollup: number;
}

export interface SegmentVerification {
  dimensions: number;
  differenceCount: number;
  differences: SegmentDifference[];
  stale: string[];
}

/**
 * One dimension's rollup `table` (plus its unfolded deltas) on every day up to the horizon against raw
 * answers, keyed by (value, `col`, score): the survey, or the kind. The per-survey rollup counts only the
 * deltas of surveys that exist; the per-kind one counts them all (see foldSegmentDeltas).
 * $1 source, $2 key, $3 dimension id, $4 horizon.
 */
const verifySql = (table: SegmentDifference['table'], col: 'survey_id' | 'kind', limit: number) => `
  WITH raw AS (SELECT value, ${col} AS k, day, score, sum(n) AS n FROM (${SEGMENT_RAW}) r GROUP BY 1, 2, 3, 4),
  pending AS (SELECT value, ${col} AS k, day, score, sum(n) AS n FROM segment_rollup_delta x
              WHERE dimension = $3 ${col === 'survey_id' ? 'AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id)' : ''} GROUP BY 1, 2, 3, 4),
  k AS (SELECT value, k, score, min(day) AS lo FROM (SELECT value, k, score, day FROM raw UNION ALL SELECT value, k, score, day FROM pending) x
        WHERE day <= $4::date GROUP BY 1, 2, 3),
  grid AS (SELECT k.value, k.k, k.score, g.day::date AS day FROM k CROSS JOIN LATERAL generate_series(k.lo::timestamp, $4::timestamp, interval '1 day') g(day)),
  expected AS (
    SELECT grid.value, grid.k, grid.score, grid.day, sum(coalesce(raw.n, 0)) OVER w AS raw, sum(coalesce(pending.n, 0)) OVER w AS pending
    FROM grid LEFT JOIN raw USING (value, k, score, day) LEFT JOIN pending USING (value, k, score, day)
    WINDOW w AS (PARTITION BY grid.value, grid.k, grid.score ORDER BY grid.day)),
  diff AS (
    SELECT value, k::text AS k, day::text AS day, score, coalesce(e.raw, 0)::int AS raw, (coalesce(c.cum, 0) + coalesce(e.pending, 0))::int AS rollup
    FROM expected e FULL JOIN (SELECT value, ${col} AS k, day, score, cum FROM ${table} WHERE dimension = $3 AND day <= $4::date) c USING (value, k, score, day)
    WHERE coalesce(e.raw, 0) <> coalesce(c.cum, 0) + coalesce(e.pending, 0))
  SELECT *, count(*) OVER ()::int AS total FROM diff ORDER BY value, k, day, score LIMIT ${limit}`;

/**
 * Every built dimension's rollups (plus their unfolded deltas) on every day up to the horizon, against a
 * recomputation from raw answers, in one snapshot. A stale dimension is reported as such (the folder
 * rebuilds it), not as differences.
 */
export async function verifySegmentRollups(db: DataSource, opts: { limit?: number } = {}): Promise<SegmentVerification> {
  const limit = opts.limit ?? 20;
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query(`SET LOCAL work_mem = '256MB'`);
    const dims: Array<{ source: DimensionSource; key: string; built: boolean }> = await runner.query(
      `SELECT source, key, built_at IS NOT NULL AS built FROM segment_dimensions ORDER BY source, position, key`);
    const [{ horizon }]: Array<{ horizon: string | null }> = await runner.query(`SELECT (SELECT day::text FROM segment_cum_horizon) AS horizon`);
    const out: SegmentVerification = { dimensions: dims.length, differenceCount: 0, differences: [], stale: [] };
    for (const d of dims) {
      const id = dimensionId(d.source, d.key);
      if (!d.built) { out.stale.push(id); continue; }
      // No horizon at all while the dimension has answers: never built.
      if (horizon === null) {
        const [{ n }]: Array<{ n: number }> = await runner.query(`SELECT count(*)::int AS n FROM (${SEGMENT_RAW}) x`, [d.source, d.key]);
        if (n > 0) { out.differenceCount += 1; out.differences.push({ table: 'segment_score_cum', dimension: id, value: '', key: '', day: '', score: 0, raw: n, rollup: 0 }); }
        continue;
      }
      for (const [table, col] of [['segment_score_cum', 'survey_id'], ['segment_kind_cum', 'kind']] as const) {
        const rows: Array<{ value: string; k: string; day: string; score: number; raw: number; rollup: number; total: number }> = await runner.query(
          verifySql(table, col, limit), [d.source, d.key, id, horizon]);
        out.differenceCount += rows[0]?.total ?? 0;
        for (const r of rows) out.differences.push({ table, dimension: id, value: r.value, key: r.k, day: r.day, score: r.score, raw: r.raw, rollup: r.rollup });
      }
    }
    await runner.commitTransaction();
    return out;
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
