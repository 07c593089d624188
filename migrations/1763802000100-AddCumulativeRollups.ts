import { MigrationInterface, QueryRunner } from 'typeorm';

/** The folder's advisory lock (src/modules/metrics/rollup.ts FOLD_LOCK): no fold may run meanwhile. */
const FOLD_LOCK = 7_301_720_017;

const FINE = `
  SELECT r.survey_id, (r.created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, r.channel, r.score, count(*)::int AS n
  FROM responses r GROUP BY 1, 2, 3, 4`;

/**
 * Dense cumulative rollups, so that a page reads a number of rows bounded by what it shows whatever the
 * length of the period (issue: 1,000 touchpoints over three years made the per-day and per-week rollups
 * hold about one row per answer, and every page read hundreds of thousands of them):
 *   response_score_cum (day, survey, score, cum) — answers of the survey with that score on org-days <= day;
 *   response_kind_cum  (day, kind, score, cum)   — the same for every survey of a kind (whole journey);
 * each key has a row for every day from its first answer to the horizon (`response_cum_horizon`, the
 * latest day folded; the folder carries every key forward when a new day starts). The count in [a, b]
 * is cum(b) - cum(a - 1): two contiguous index range reads on `day`, of surveys × scores rows, for any
 * period. They replace response_day_score and response_week_score; response_daily stays for channels.
 * Rows are written in day order (rebuild, carry-forward) so that one day's rows share a few heap pages;
 * the fill factor leaves room for the fold's updates of recent days to stay on their page.
 *
 * A survey deleted with its answers: the per-survey rows go with it (ON DELETE CASCADE); for the per-kind
 * ones, a BEFORE DELETE trigger on `surveys` appends the survey's whole histogram, negated, to the deltas
 * (the answers' own delete trigger cannot: the survey row, and so its kind, is gone by then).
 */
export class AddCumulativeRollups1763802000100 implements MigrationInterface {
  name = 'AddCumulativeRollups1763802000100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    await q.query(`
      CREATE TABLE response_score_cum (
        day date NOT NULL,
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        score smallint NOT NULL,
        cum integer NOT NULL,
        PRIMARY KEY (day, survey_id, score)
      ) WITH (fillfactor = 90)`);
    await q.query(`
      CREATE TABLE response_kind_cum (
        day date NOT NULL,
        kind text NOT NULL,
        score smallint NOT NULL,
        cum integer NOT NULL,
        PRIMARY KEY (day, kind, score)
      ) WITH (fillfactor = 90)`);
    await q.query(`CREATE TABLE response_cum_horizon (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), day date NOT NULL)`);
    // Everything from raw answers, the deltas included (they are counted there already).
    await q.query(`SET LOCAL work_mem = '256MB'`);
    await q.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE}`);
    await q.query(`INSERT INTO response_cum_horizon (day) SELECT greatest(touchpoint_org_day(now()), (SELECT max(day) FROM fine))`);
    await q.query(`DELETE FROM response_rollup_delta`);
    await q.query(`DELETE FROM response_daily`);
    await q.query(`INSERT INTO response_daily (survey_id, day, channel, score, count) SELECT survey_id, day, channel, score, n FROM fine`);
    await q.query(`
      INSERT INTO response_score_cum (day, survey_id, score, cum)
      SELECT g.day::date, k.survey_id, k.score, sum(coalesce(f.n, 0)) OVER (PARTITION BY k.survey_id, k.score ORDER BY g.day)
      FROM (SELECT survey_id, score, min(day) AS lo FROM fine GROUP BY 1, 2) k
      CROSS JOIN LATERAL generate_series(k.lo::timestamp, (SELECT day FROM response_cum_horizon)::timestamp, interval '1 day') g(day)
      LEFT JOIN (SELECT survey_id, score, day, sum(n) AS n FROM fine GROUP BY 1, 2, 3) f ON f.survey_id = k.survey_id AND f.score = k.score AND f.day = g.day::date
      ORDER BY 1, 2, 3`);
    await q.query(`
      INSERT INTO response_kind_cum (day, kind, score, cum)
      WITH fk AS (SELECT s.kind, f.score, f.day, sum(f.n) AS n FROM fine f JOIN surveys s ON s.id = f.survey_id GROUP BY 1, 2, 3)
      SELECT g.day::date, k.kind, k.score, sum(coalesce(f.n, 0)) OVER (PARTITION BY k.kind, k.score ORDER BY g.day)
      FROM (SELECT kind, score, min(day) AS lo FROM fk GROUP BY 1, 2) k
      CROSS JOIN LATERAL generate_series(k.lo::timestamp, (SELECT day FROM response_cum_horizon)::timestamp, interval '1 day') g(day)
      LEFT JOIN fk f ON f.kind = k.kind AND f.score = k.score AND f.day = g.day::date
      ORDER BY 1, 2, 3`);
    await q.query(`DROP TABLE fine`);
    await q.query(`DROP TABLE response_day_score`);
    await q.query(`DROP TABLE response_week_score`);
    await q.query(`
      CREATE FUNCTION response_rollup_survey_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- One statement, one snapshot: the folded counts and the deltas not folded yet, all of them.
        INSERT INTO response_rollup_delta (survey_id, kind, day, channel, score, n)
        SELECT OLD.id, OLD.kind, x.day, x.channel, x.score, -sum(x.n)::int
        FROM (SELECT day, channel, score, count AS n FROM response_daily WHERE survey_id = OLD.id
              UNION ALL SELECT day, channel, score, n FROM response_rollup_delta WHERE survey_id = OLD.id) x
        GROUP BY x.day, x.channel, x.score HAVING sum(x.n) <> 0;
        RETURN OLD;
      END
      $$`);
    await q.query(`CREATE TRIGGER surveys_rollup_delete BEFORE DELETE ON surveys FOR EACH ROW EXECUTE FUNCTION response_rollup_survey_delete()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_score_cum, response_kind_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    await q.query(`DROP TRIGGER surveys_rollup_delete ON surveys`);
    await q.query(`DROP FUNCTION response_rollup_survey_delete()`);
    await q.query(`
      CREATE TABLE response_day_score (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        day date NOT NULL,
        score smallint NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (day, survey_id, score)
      )`);
    await q.query(`CREATE INDEX response_day_score_survey_idx ON response_day_score (survey_id, day)`);
    await q.query(`
      CREATE TABLE response_week_score (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL CHECK (extract(isodow FROM week) = 1),
        score smallint NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (week, survey_id, score)
      )`);
    await q.query(`CREATE INDEX response_week_score_survey_idx ON response_week_score (survey_id, week)`);
    await q.query(`CREATE TEMP TABLE fine ON COMMIT DROP AS ${FINE}`);
    await q.query(`DELETE FROM response_rollup_delta`);
    await q.query(`DELETE FROM response_daily`);
    await q.query(`INSERT INTO response_daily (survey_id, day, channel, score, count) SELECT survey_id, day, channel, score, n FROM fine`);
    await q.query(`INSERT INTO response_day_score (survey_id, day, score, count) SELECT survey_id, day, score, sum(n) FROM fine GROUP BY 1, 2, 3`);
    await q.query(`INSERT INTO response_week_score (survey_id, week, score, count) SELECT survey_id, date_trunc('week', day)::date, score, sum(n) FROM fine GROUP BY 1, 2, 3`);
    await q.query(`DROP TABLE fine`);
    await q.query(`DROP TABLE response_cum_horizon`);
    await q.query(`DROP TABLE response_kind_cum`);
    await q.query(`DROP TABLE response_score_cum`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_day_score, response_week_score, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }
}
