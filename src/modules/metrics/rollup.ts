import type { DataSource, EntityManager } from 'typeorm';
import type { MetricKind } from './scoring';

/**
 * The rollups that make dashboard cost independent of the number of responses and of the length of a
 * period (migrations FoldRollupDeltas and AddCumulativeRollups):
 *   response_daily     (survey, org-day, channel, score) -> count — channel split and channel filters;
 *   response_survey_cum (org-day, survey) -> h0 … h10, answers of each score on days <= day — any period
 *                       of any survey, one row per survey and day (the scale's points are columns);
 *   response_kind_cum   (org-day, kind, score) -> the same over every survey of a kind — whole journey, weeks;
 *   response_stage_cum  (org-day, stage, kind) -> h0 … h10 over every survey counted in the stage — by=stage.
 *                       Stale (response_stage_state) after a survey or touchpoint moved or a survey was
 *                       deleted, until the folder recomputes it from response_survey_cum; readers then
 *                       count per survey, in the same statement.
 *   response_standing_cum (org-day, stage, touchpoint) -> per kind the answers and the score's numerator
 *                       (STANDING_COLUMNS) over every survey of the touchpoint — what the journey map ranks a
 *                       large stage by, one narrow row per touchpoint. Kept like response_stage_cum, stale with it.
 * The cumulative ones are dense: every key has a row for each day from its first answer to the horizon
 * (`response_cum_horizon`), so the count in [a, b] is cum(min(b, H)) - cum(min(a - 1, H)), read as two
 * contiguous index ranges on `day`.
 *
 * Writes: the statement triggers on `responses` only append each statement's net counts to
 * `response_rollup_delta` (no index); foldRollupDeltas, run every second by one job process at a time
 * (src/jobs/rollup-fold.ts), moves them into the rollups in one transaction. Readers add the deltas not
 * folded yet in the same statement (one snapshot): never stale, never counted twice. Bulk loads switch the
 * triggers off and rebuild with one aggregate; `npm run metrics:verify` checks every rollup against raw answers.
 */
/**
 * The triggers a bulk load switches off (setRollupTrigger) and rebuildRollups switches on again: the score
 * rollups' and the segment rollups' (a rebuild marks every segment dimension to be recounted from raw
 * answers, so a bulk load need not append millions of segment deltas the folder would only drop).
 */
const ROLLUP_TRIGGERS = [
  'responses_rollup_insert', 'responses_rollup_update', 'responses_rollup_delete',
  'responses_segment_insert', 'responses_segment_update', 'responses_segment_delete',
];

export const DELTA_TABLE = 'response_rollup_delta';

/**
 * The advisory lock of the one folder: held (transaction-level) by a fold and by a rebuild, so a rebuild
 * never interleaves with a fold, and two job processes never fold at the same time.
 */
export const FOLD_LOCK = 7_301_720_017;

/** Every rollup table, for maintenance (VACUUM ANALYZE after a bulk load). */
export const ROLLUP_TABLES = ['response_daily', 'response_survey_cum', 'response_kind_cum', 'response_stage_cum', 'response_standing_cum', 'response_cum_horizon', DELTA_TABLE];

/** Where a survey counts: its stage, its own or its touchpoint's (null for a whole-journey survey). Needs `surveys sv`. */
const SURVEY_STAGE = `coalesce(sv.stage_id, (SELECT tp.stage_id FROM touchpoints tp WHERE tp.id = sv.touchpoint_id))`;

/**
 * The per-stage and per-touchpoint rollups recomputed from the per-survey one (inside the fold lock): the
 * sum over the surveys counted in each stage, or of each touchpoint, day by day (each survey is dense, so
 * each sum is too).
 */
async function recomputePlaceRollups(tx: EntityManager): Promise<void> {
  // First the state row: a move in progress (its trigger wrote the row) commits before the surveys are read,
  // and one that starts now waits for this transaction, then marks the rollups stale again.
  await tx.query(`SELECT stale FROM response_stage_state FOR UPDATE`);
  await tx.query(`DELETE FROM response_stage_cum`);
  await tx.query(
    `INSERT INTO response_stage_cum (day, stage_id, kind, ${eachPoint((i) => `h${i}`)})
     SELECT c.day, x.stage_id, x.kind, ${eachPoint((i) => `sum(c.h${i})::int`)}
     FROM (SELECT sv.id, sv.kind, ${SURVEY_STAGE} AS stage_id FROM surveys sv) x
     JOIN response_survey_cum c ON c.survey_id = x.id
     WHERE x.stage_id IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
  await tx.query(`DELETE FROM response_standing_cum`);
  await tx.query(
    `INSERT INTO response_standing_cum (day, stage_id, touchpoint_id, ${STANDING_NAMES})
     SELECT c.day, tp.stage_id, sv.touchpoint_id, ${standingFromPoints('sv.kind', 'c', (e) => `sum(${e})::int`)}
     FROM surveys sv JOIN touchpoints tp ON tp.id = sv.touchpoint_id
     JOIN response_survey_cum c ON c.survey_id = sv.id
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
  await tx.query(`UPDATE response_stage_state SET stale = false`);
}

/** Every point of every scale (NPS 0–10 is the widest): the count columns h0 … h10 of `response_survey_cum`. */
export const SCALE_POINTS = Array.from({ length: 11 }, (_, i) => i);

/** `f(i)` for every point, joined: the column lists of the per-survey rollup. */
export const eachPoint = (f: (i: number) => string, sep = ', '): string => SCALE_POINTS.map(f).join(sep);

/** A per-survey rollup row `alias` as (score, n) rows: `CROSS JOIN LATERAL (${unpivotPoints('c')}) v(score, n)`. */
export const unpivotPoints = (alias: string): string => `VALUES ${eachPoint((i) => `(${i}::smallint, ${alias}.h${i})`)}`;

/**
 * The per-touchpoint standing rollup's columns: for each kind, its answers and the numerator of its score,
 * as a weight per point of the scale (scoring.ts: NPS promoters 9–10 and detractors 0–6, CSAT satisfied 4–5,
 * CES the mean of the scores). Enough to rank, and summed over a touchpoint's surveys of the kind.
 */
export const STANDING_COLUMNS: ReadonlyArray<{ name: string; kind: MetricKind; weight: (point: number) => number }> = [
  { name: 'nps_n', kind: 'nps', weight: () => 1 },
  { name: 'nps_promoters', kind: 'nps', weight: (p) => (p >= 9 ? 1 : 0) },
  { name: 'nps_detractors', kind: 'nps', weight: (p) => (p <= 6 ? 1 : 0) },
  { name: 'csat_n', kind: 'csat', weight: () => 1 },
  { name: 'csat_satisfied', kind: 'csat', weight: (p) => (p >= 4 ? 1 : 0) },
  { name: 'ces_n', kind: 'ces', weight: () => 1 },
  { name: 'ces_sum', kind: 'ces', weight: (p) => p },
];

export const STANDING_NAMES = STANDING_COLUMNS.map((c) => c.name).join(', ');

/**
 * The standing columns of a survey of kind `kind` from its counts per point (`alias`.h0 … h10), each passed
 * through `wrap` (an aggregate, say) and named.
 */
export function standingFromPoints(kind: string, alias: string, wrap: (expr: string) => string = (e) => e): string {
  return STANDING_COLUMNS.map((c) => {
    const terms = SCALE_POINTS.filter((p) => c.weight(p) !== 0).map((p) => (c.weight(p) === 1 ? `${alias}.h${p}` : `${c.weight(p)} * ${alias}.h${p}`));
    return `${wrap(`CASE WHEN ${kind} = '${c.kind}' THEN ${terms.join(' + ')} ELSE 0 END`)} AS ${c.name}`;
  }).join(', ');
}

/** Deltas not folded yet of surveys that still exist (those of a deleted survey only count per kind). */
export const LIVE_DELTAS = `(SELECT x.* FROM ${DELTA_TABLE} x WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id))`;

/** Raw responses counted per (survey, org-day, channel, score), the day computed as the trigger does. */
const FINE_AGGREGATE = `
  SELECT r.survey_id, (r.created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, r.channel, r.score, count(*)::int AS n
  FROM responses r GROUP BY 1, 2, 3, 4`;

/**
 * Dense cumulative rows from per-(key, day) counts `src (<keys>, day, n)`: for each key, every day from its
 * first to `horizon`, with the running sum. Used by the rebuild and, with the deltas, by the fold.
 * (denseCumulativePoints does the same with one count column per score.)
 */
export function denseCumulative(src: string, keys: string[], horizon: string): string {
  const k = keys.join(', ');
  const on = keys.map((c) => `f.${c} = k.${c}`).join(' AND ');
  return `
    SELECT g.day::date AS day, ${keys.map((c) => `k.${c}`).join(', ')}, sum(coalesce(f.n, 0)) OVER (PARTITION BY ${keys.map((c) => `k.${c}`).join(', ')} ORDER BY g.day)::int AS cum
    FROM (SELECT ${k}, min(day) AS lo FROM ${src} x GROUP BY ${keys.map((_, i) => i + 1).join(', ')}) k
    CROSS JOIN LATERAL generate_series(k.lo::timestamp, (${horizon})::timestamp, interval '1 day') g(day)
    LEFT JOIN ${src} f ON ${on} AND f.day = g.day::date`;
}

/** As denseCumulative, for several count columns: `src (<keys>, day, <columns>)` -> (day, <keys>, <columns>). */
export function denseCumulativeColumns(src: string, keys: string[], columns: string[], horizon: string): string {
  const on = keys.map((c) => `f.${c} = k.${c}`).join(' AND ');
  return `
    SELECT g.day::date AS day, ${keys.map((c) => `k.${c}`).join(', ')}, ${columns.map((c) => `(sum(coalesce(f.${c}, 0)) OVER w)::int AS ${c}`).join(', ')}
    FROM (SELECT ${keys.join(', ')}, min(day) AS lo FROM ${src} x GROUP BY ${keys.map((_, i) => i + 1).join(', ')}) k
    CROSS JOIN LATERAL generate_series(k.lo::timestamp, (${horizon})::timestamp, interval '1 day') g(day)
    LEFT JOIN ${src} f ON ${on} AND f.day = g.day::date
    WINDOW w AS (PARTITION BY ${keys.map((c) => `k.${c}`).join(', ')} ORDER BY g.day)`;
}

/** The same with one count column per score, h0 … h10. */
export const denseCumulativePoints = (src: string, keys: string[], horizon: string): string =>
  denseCumulativeColumns(src, keys, SCALE_POINTS.map((i) => `h${i}`), horizon);

/** Counts per score `n` of rows grouped by the caller, as the columns h0 … h10. */
const POINT_SUMS = eachPoint((i) => `coalesce(sum(n) FILTER (WHERE score = ${i}), 0)::int AS h${i}`);

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
  // After the table lock (no new delta can come), wait for a fold in progress: none can start meanwhile.
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, [FOLD_LOCK]);
  await tx.query(`SET LOCAL work_mem = '256MB'`);
  await tx.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE_AGGREGATE}`);
  await tx.query(`CREATE TEMP TABLE fine_survey ON COMMIT DROP AS SELECT survey_id, day, ${POINT_SUMS} FROM fine GROUP BY 1, 2`);
  await tx.query(`CREATE TEMP TABLE fine_kind ON COMMIT DROP AS
    SELECT s.kind, f.score, f.day, sum(f.n)::int AS n FROM fine f JOIN surveys s ON s.id = f.survey_id GROUP BY 1, 2, 3`);
  await tx.query(`DELETE FROM ${DELTA_TABLE}`);
  await tx.query(`DELETE FROM response_cum_horizon`);
  await tx.query(`INSERT INTO response_cum_horizon (day) SELECT greatest(touchpoint_org_day(now()), (SELECT max(day) FROM fine))`);
  const horizon = `SELECT day FROM response_cum_horizon`;
  await tx.query(`DELETE FROM response_daily`);
  await tx.query(`INSERT INTO response_daily (survey_id, day, channel, score, count) SELECT survey_id, day, channel, score, n FROM fine`);
  await tx.query(`DELETE FROM response_survey_cum`);
  // In day order: the rows a page reads (one day, every survey) then sit on a few adjacent pages.
  await tx.query(`INSERT INTO response_survey_cum (day, survey_id, ${eachPoint((i) => `h${i}`)}) ${denseCumulativePoints('fine_survey', ['survey_id'], horizon)} ORDER BY 1, 2`);
  await tx.query(`DELETE FROM response_kind_cum`);
  await tx.query(`INSERT INTO response_kind_cum (day, kind, score, cum) ${denseCumulative('fine_kind', ['kind', 'score'], horizon)} ORDER BY 1, 2, 3`);
  await recomputePlaceRollups(tx);
  // The segment rollups count org-days too (and may have missed a bulk load): the segment folder recounts them.
  await tx.query(`UPDATE segment_dimensions SET built_at = NULL WHERE built_at IS NOT NULL`);
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

/** Date columns come back as Date at local midnight: print them as the calendar day they are. */
function keyValue(value: unknown): string | number {
  return value instanceof Date
    ? `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}`
    : value as string | number;
}

/**
 * Recomputes the histograms from raw responses and compares every rollup, plus the deltas not folded
 * yet, with them in one snapshot (answers arriving meanwhile cannot show up as differences):
 * - response_daily per (survey, day, channel, score);
 * - each cumulative rollup on every day up to the horizon: a missing day (a key not carried forward) or
 *   a wrong running sum is a difference; and the horizon row itself must exist.
 * This scans every response and every cumulative row: it is a check, not something a page does.
 */
export async function verifyRollups(db: DataSource, opts: { limit?: number } = {}): Promise<RollupVerification> {
  const limit = opts.limit ?? 20;
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query(`SET LOCAL work_mem = '256MB'`);
    await runner.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE_AGGREGATE}`);
    const [{ responses }] = await runner.query(`SELECT coalesce(sum(n), 0)::bigint::text AS responses FROM fine`);
    const horizonRows: Array<{ day: string }> = await runner.query(`SELECT day::text AS day FROM response_cum_horizon`);
    const horizon = horizonRows[0]?.day ?? null;
    const checks: Array<{ table: string; keys: string[]; sql: string }> = [
      {
        table: 'response_daily',
        keys: ['survey_id', 'day', 'channel', 'score'],
        sql: `WITH roll AS (SELECT survey_id, day, channel, score, sum(n)::int AS n FROM (
                SELECT survey_id, day, channel, score, count AS n FROM response_daily
                UNION ALL SELECT survey_id, day, channel, score, n FROM ${LIVE_DELTAS} d) x GROUP BY 1, 2, 3, 4)
              SELECT survey_id, day, channel, score, coalesce(raw.n, 0) AS raw, coalesce(roll.n, 0) AS rollup
              FROM fine raw FULL JOIN roll USING (survey_id, day, channel, score)
              WHERE coalesce(raw.n, 0) <> coalesce(roll.n, 0)`,
      },
    ];
    if (horizon) {
      // Expected running sums (raw) and the unfolded part (deltas) on every day of every key up to the horizon.
      const cumulative = (table: string, key: string, raw: string, pending: string, rows = `SELECT * FROM ${table}`) => `
        WITH raw AS (${raw}), pending AS (${pending}),
        k AS (SELECT ${key}, score, min(day) AS lo FROM (SELECT ${key}, score, day FROM raw UNION ALL SELECT ${key}, score, day FROM pending) x
              WHERE day <= $1::date GROUP BY 1, 2),
        grid AS (SELECT k.${key}, k.score, g.day::date AS day FROM k CROSS JOIN LATERAL generate_series(k.lo::timestamp, $1::timestamp, interval '1 day') g(day)),
        expected AS (
          SELECT grid.${key}, grid.score, grid.day,
                 sum(coalesce(raw.n, 0)) OVER w AS raw, sum(coalesce(pending.n, 0)) OVER w AS pending
          FROM grid LEFT JOIN raw USING (${key}, score, day) LEFT JOIN pending USING (${key}, score, day)
          WINDOW w AS (PARTITION BY grid.${key}, grid.score ORDER BY grid.day))
        SELECT ${key}, day, score, coalesce(e.raw, 0)::int AS raw, (coalesce(c.cum, 0) + coalesce(e.pending, 0))::int AS rollup
        FROM expected e FULL JOIN (SELECT * FROM (${rows}) t WHERE day <= $1::date) c USING (${key}, score, day)
        WHERE coalesce(e.raw, 0) <> coalesce(c.cum, 0) + coalesce(e.pending, 0)`;
      checks.push({
        table: 'response_survey_cum',
        keys: ['survey_id', 'day', 'score'],
        // One row per (day, survey): compared score by score (a score never given counts 0 either way).
        sql: cumulative('response_survey_cum', 'survey_id',
          `SELECT survey_id, score, day, sum(n) AS n FROM fine GROUP BY 1, 2, 3`,
          `SELECT survey_id, score, day, sum(n) AS n FROM ${LIVE_DELTAS} d GROUP BY 1, 2, 3`,
          `SELECT c.day, c.survey_id, v.score, v.n AS cum FROM response_survey_cum c CROSS JOIN LATERAL (${unpivotPoints('c')}) v(score, n) WHERE v.n <> 0`),
      });
      // The stages and the touchpoints' standing, unless a move made them stale (the folder recomputes them; readers
      // count per survey meanwhile).
      const [{ stale }]: Array<{ stale: boolean }> = await runner.query(`SELECT stale FROM response_stage_state`);
      if (!stale) {
        const places = `(SELECT sv.id, ${SURVEY_STAGE} || ':' || sv.kind AS place FROM surveys sv) m`;
        checks.push({
          table: 'response_stage_cum',
          keys: ['place', 'day', 'score'],
          sql: cumulative('response_stage_cum', 'place',
            `SELECT m.place, x.score, x.day, sum(x.n) AS n FROM fine x JOIN ${places} ON m.id = x.survey_id WHERE m.place IS NOT NULL GROUP BY 1, 2, 3`,
            `SELECT m.place, x.score, x.day, sum(x.n) AS n FROM ${LIVE_DELTAS} x JOIN ${places} ON m.id = x.survey_id WHERE m.place IS NOT NULL GROUP BY 1, 2, 3`,
            `SELECT c.day, c.stage_id || ':' || c.kind AS place, v.score, v.n AS cum FROM response_stage_cum c CROSS JOIN LATERAL (${unpivotPoints('c')}) v(score, n) WHERE v.n <> 0`),
        });
        // The touchpoints' standing, column by column (reported as the score key: nps_promoters, csat_n, …), against
        // the sum of their surveys' rows in the per-survey rollup (checked against the answers above, in the same
        // snapshot; the fold moves a delta into both in one transaction, so they match row for row).
        const measures = (alias: string) => `VALUES ${STANDING_COLUMNS.map((c) => `('${c.name}', ${alias}.${c.name})`).join(', ')}`;
        checks.push({
          table: 'response_standing_cum',
          keys: ['place', 'day', 'score'],
          sql: `
            WITH expected AS (
              SELECT c.day, tp.stage_id || ':' || tp.id AS place, ${standingFromPoints('sv.kind', 'c', (e) => `sum(${e})::int`)}
              FROM response_survey_cum c JOIN surveys sv ON sv.id = c.survey_id JOIN touchpoints tp ON tp.id = sv.touchpoint_id
              WHERE c.day <= $1::date GROUP BY 1, 2),
            e AS (SELECT x.place, x.day, v.score, v.n FROM expected x CROSS JOIN LATERAL (${measures('x')}) v(score, n) WHERE v.n <> 0),
            r AS (SELECT c.stage_id || ':' || c.touchpoint_id AS place, c.day, v.score, v.n FROM response_standing_cum c
                  CROSS JOIN LATERAL (${measures('c')}) v(score, n) WHERE c.day <= $1::date AND v.n <> 0)
            SELECT place, day, score, coalesce(e.n, 0) AS raw, coalesce(r.n, 0) AS rollup
            FROM e FULL JOIN r USING (place, day, score) WHERE coalesce(e.n, 0) <> coalesce(r.n, 0)`,
        });
      }
      checks.push({
        table: 'response_kind_cum',
        keys: ['kind', 'day', 'score'],
        // Every delta counts per kind, those of deleted surveys too (with the negated histogram of the deletion).
        sql: cumulative('response_kind_cum', 'kind',
          `SELECT s.kind, f.score, f.day, sum(f.n) AS n FROM fine f JOIN surveys s ON s.id = f.survey_id GROUP BY 1, 2, 3`,
          `SELECT kind, score, day, sum(n) AS n FROM ${DELTA_TABLE} GROUP BY 1, 2, 3`),
      });
    }
    const differenceCounts: Record<string, number> = {};
    const differences: RollupDifference[] = [];
    for (const check of checks) {
      const rows: Array<Record<string, unknown> & { raw: number; rollup: number; total: number }> = await runner.query(
        `SELECT *, count(*) OVER ()::int AS total FROM (${check.sql}) diff ORDER BY ${check.keys.join(', ')} LIMIT ${limit}`,
        check.table === 'response_daily' ? [] : [horizon],
      );
      differenceCounts[check.table] = rows[0]?.total ?? 0;
      for (const row of rows) {
        const key: Record<string, string | number> = {};
        for (const k of check.keys) key[k] = keyValue(row[k]);
        differences.push({ table: check.table, key, raw: Number(row.raw), rollup: Number(row.rollup) });
      }
    }
    // No horizon while there are answers: the cumulative rollups were never built.
    if (!horizon) {
      differenceCounts.response_cum_horizon = Number(responses) > 0 ? 1 : 0;
      if (Number(responses) > 0) differences.push({ table: 'response_cum_horizon', key: {}, raw: Number(responses), rollup: 0 });
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
 * committed before it, and readers see them either in the delta table or in the rollups, never both and
 * never neither. When a new day has started, every cumulative key is first carried forward to it. Deltas
 * of deleted surveys only count per kind (their per-survey rows went with the survey).
 * Returns the delta rows folded, or null when another folder holds the lock (it will fold them).
 */
export async function foldRollupDeltas(db: DataSource): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [{ locked }]: Array<{ locked: boolean }> = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [FOLD_LOCK]);
    if (!locked) return null;
    await tx.query(`CREATE TEMP TABLE IF NOT EXISTS rollup_fold_batch (
      survey_id uuid, kind text, day date, channel text, score smallint, n integer, live boolean) ON COMMIT DELETE ROWS`);
    const [{ rows }]: Array<{ rows: number }> = await tx.query(
      `WITH moved AS (DELETE FROM ${DELTA_TABLE} RETURNING *),
       batch AS (
         INSERT INTO rollup_fold_batch (survey_id, kind, day, channel, score, n, live)
         SELECT m.survey_id, m.kind, m.day, m.channel, m.score, sum(m.n), EXISTS (SELECT 1 FROM surveys s WHERE s.id = m.survey_id)
         FROM moved m GROUP BY 1, 2, 3, 4, 5 HAVING sum(m.n) <> 0)
       SELECT count(*)::int AS rows FROM moved`,
    );
    const [{ horizon, next }]: Array<{ horizon: string | null; next: string }> = await tx.query(
      `SELECT h.day::text AS horizon, greatest(h.day, touchpoint_org_day(now()), (SELECT max(day) FROM rollup_fold_batch))::text AS next
       FROM (SELECT (SELECT day FROM response_cum_horizon) AS day) h`,
    );
    const [{ stale }]: Array<{ stale: boolean }> = await tx.query(`SELECT stale FROM response_stage_state`);
    if (rows === 0 && horizon === next) {
      if (stale) await recomputePlaceRollups(tx);
      return 0;
    }
    if (horizon === null) {
      await tx.query(`INSERT INTO response_cum_horizon (day) VALUES ($1::date)`, [next]);
    } else if (horizon !== next) {
      // A new day: every key carried forward, so that each has a row on every day up to the horizon.
      for (const [table, columns] of [
        ['response_survey_cum', `survey_id, ${eachPoint((i) => `h${i}`)}`],
        ['response_stage_cum', `stage_id, kind, ${eachPoint((i) => `h${i}`)}`],
        ['response_standing_cum', `stage_id, touchpoint_id, ${STANDING_NAMES}`],
        ['response_kind_cum', 'kind, score, cum'],
      ]) {
        await tx.query(
          `INSERT INTO ${table} (day, ${columns})
           SELECT g.day::date, ${columns.split(', ').map((c) => `c.${c}`).join(', ')} FROM ${table} c
           CROSS JOIN generate_series($1::timestamp + interval '1 day', $2::timestamp, interval '1 day') g(day)
           WHERE c.day = $1::date ORDER BY 1, 2`,
          [horizon, next],
        );
      }
      await tx.query(`UPDATE response_cum_horizon SET day = $1::date`, [next]);
    }
    if (rows === 0) {
      if (stale) await recomputePlaceRollups(tx);
      return 0;
    }
    // Each key once per statement and in key order, so the upserts never lock rows in opposite orders.
    await tx.query(
      `INSERT INTO response_daily AS t (survey_id, day, channel, score, count)
       SELECT survey_id, day, channel, score, sum(n) FROM rollup_fold_batch WHERE live GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
       ON CONFLICT (survey_id, day, channel, score) DO UPDATE SET count = t.count + EXCLUDED.count`,
    );
    // A delta on day d adds to every row of its key from d to the horizon (a backdated answer: many rows).
    await tx.query(
      `WITH src AS (SELECT survey_id, day, ${POINT_SUMS} FROM rollup_fold_batch WHERE live GROUP BY 1, 2 HAVING bool_or(n <> 0))
       INSERT INTO response_survey_cum AS t (day, survey_id, ${eachPoint((i) => `h${i}`)})
       SELECT * FROM (${denseCumulativePoints('src', ['survey_id'], '$1::date')}) x ORDER BY 1, 2
       ON CONFLICT (day, survey_id) DO UPDATE SET ${eachPoint((i) => `h${i} = t.h${i} + EXCLUDED.h${i}`)}`,
      [next],
    );
    // The stages and the touchpoints: from the same batch, each survey counted where it is now (or all recomputed when a
    // move made them stale).
    if (stale) {
      await recomputePlaceRollups(tx);
    } else {
      await tx.query(
        `WITH src AS (
           SELECT x.stage_id, x.kind, b.day, ${eachPoint((i) => `coalesce(sum(b.n) FILTER (WHERE b.score = ${i}), 0)::int AS h${i}`)}
           FROM rollup_fold_batch b JOIN (SELECT sv.id, sv.kind, ${SURVEY_STAGE} AS stage_id FROM surveys sv) x ON x.id = b.survey_id
           WHERE b.live AND x.stage_id IS NOT NULL GROUP BY 1, 2, 3)
         INSERT INTO response_stage_cum AS t (day, stage_id, kind, ${eachPoint((i) => `h${i}`)})
         SELECT * FROM (${denseCumulativePoints('src', ['stage_id', 'kind'], '$1::date')}) x ORDER BY 1, 2, 3
         ON CONFLICT (day, stage_id, kind) DO UPDATE SET ${eachPoint((i) => `h${i} = t.h${i} + EXCLUDED.h${i}`)}`,
        [next],
      );
      await tx.query(
        `WITH per_survey AS (SELECT survey_id, day, ${POINT_SUMS} FROM rollup_fold_batch WHERE live GROUP BY 1, 2),
         src AS (
           SELECT tp.stage_id, sv.touchpoint_id, b.day, ${standingFromPoints('sv.kind', 'b', (e) => `sum(${e})::int`)}
           FROM per_survey b JOIN surveys sv ON sv.id = b.survey_id JOIN touchpoints tp ON tp.id = sv.touchpoint_id
           GROUP BY 1, 2, 3)
         INSERT INTO response_standing_cum AS t (day, stage_id, touchpoint_id, ${STANDING_NAMES})
         SELECT * FROM (${denseCumulativeColumns('src', ['stage_id', 'touchpoint_id'], STANDING_COLUMNS.map((c) => c.name), '$1::date')}) x ORDER BY 1, 2, 3
         ON CONFLICT (day, stage_id, touchpoint_id) DO UPDATE SET ${STANDING_COLUMNS.map((c) => `${c.name} = t.${c.name} + EXCLUDED.${c.name}`).join(', ')}`,
        [next],
      );
    }
    await tx.query(
      `WITH src AS (SELECT kind, score, day, sum(n)::int AS n FROM rollup_fold_batch GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
       INSERT INTO response_kind_cum AS t (day, kind, score, cum)
       SELECT day, kind, score, cum FROM (${denseCumulative('src', ['kind', 'score'], '$1::date')}) x ORDER BY 1, 2, 3
       ON CONFLICT (day, kind, score) DO UPDATE SET cum = t.cum + EXCLUDED.cum`,
      [next],
    );
    return rows;
  });
}
