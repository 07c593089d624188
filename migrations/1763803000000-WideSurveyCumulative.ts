import { MigrationInterface, QueryRunner } from 'typeorm';

/** The folder's advisory lock (src/modules/metrics/rollup.ts FOLD_LOCK): no fold may run meanwhile. */
const FOLD_LOCK = 7_301_720_017;

const POINTS = Array.from({ length: 11 }, (_, i) => i);
const cols = (f: (i: number) => string) => POINTS.map(f).join(', ');

/**
 * One row per (day, survey) in the per-survey cumulative rollup (issue 17): `response_survey_cum` (day,
 * survey, h0 … h10) holds the answers of each score on org-days <= day in columns, instead of one
 * `response_score_cum` row per (day, survey, score). A page that pools or ranks every survey (the journey
 * map, `by=stage`) reads one row per survey and edge day (5× fewer rows for CSAT, 11× for NPS) and needs
 * no pivot; a survey's row exists from its first answer to the horizon, a score not given yet counts 0.
 * The content is the same: the migration pivots the existing rows (each key was dense from its first answer,
 * so each survey is dense from its first answer too).
 */
export class WideSurveyCumulative1763803000000 implements MigrationInterface {
  name = 'WideSurveyCumulative1763803000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    await q.query(`
      CREATE TABLE response_survey_cum (
        day date NOT NULL,
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        ${cols((i) => `h${i} integer NOT NULL DEFAULT 0`)},
        PRIMARY KEY (day, survey_id)
      ) WITH (fillfactor = 90)`);
    await q.query(`
      INSERT INTO response_survey_cum (day, survey_id, ${cols((i) => `h${i}`)})
      SELECT day, survey_id, ${cols((i) => `coalesce(sum(cum) FILTER (WHERE score = ${i}), 0)`)}
      FROM response_score_cum GROUP BY 1, 2 ORDER BY 1, 2`);
    await q.query(`DROP TABLE response_score_cum`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_survey_cum, response_kind_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
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
    // Each (survey, score) from the first day it counted an answer, as the per-score rollup kept it.
    await q.query(`
      INSERT INTO response_score_cum (day, survey_id, score, cum)
      SELECT day, survey_id, score, cum FROM (
        SELECT c.day, c.survey_id, v.score, v.cum, bool_or(v.cum <> 0) OVER (PARTITION BY c.survey_id, v.score ORDER BY c.day) AS started
        FROM response_survey_cum c CROSS JOIN LATERAL (VALUES ${cols((i) => `(${i}, c.h${i})`)}) v(score, cum)) x
      WHERE started ORDER BY 1, 2, 3`);
    await q.query(`DROP TABLE response_survey_cum`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_score_cum, response_kind_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }
}
