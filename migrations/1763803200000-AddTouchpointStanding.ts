import { MigrationInterface, QueryRunner } from 'typeorm';

/** The folder's advisory lock (src/modules/metrics/rollup.ts FOLD_LOCK): no fold may run meanwhile. */
const FOLD_LOCK = 7_301_720_017;

/**
 * A per-touchpoint cumulative rollup of what the journey map ranks by (issue 17):
 * `response_standing_cum` (day, stage, touchpoint) -> per kind the answers and the numerator of the score
 * (NPS: answers, promoters, detractors; CSAT: answers, satisfied (4–5); CES: answers, sum of scores),
 * dense like `response_survey_cum`, over every survey of the touchpoint. Ranking a stage of 200 stores then
 * reads one narrow row per store and edge day, with no join to the surveys and no pooling.
 *
 * It is kept like `response_stage_cum` and shares its state row: a touchpoint moved to another stage, a
 * survey attached elsewhere or deleted marks both stale (the existing triggers), the folder recomputes both
 * from the per-survey rollup, and readers count per survey meanwhile. Stale from the start: the folder
 * computes it at its first run.
 */
export class AddTouchpointStanding1763803200000 implements MigrationInterface {
  name = 'AddTouchpointStanding1763803200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    await q.query(`
      CREATE TABLE response_standing_cum (
        day date NOT NULL,
        stage_id integer NOT NULL,
        touchpoint_id integer NOT NULL,
        nps_n integer NOT NULL DEFAULT 0,
        nps_promoters integer NOT NULL DEFAULT 0,
        nps_detractors integer NOT NULL DEFAULT 0,
        csat_n integer NOT NULL DEFAULT 0,
        csat_satisfied integer NOT NULL DEFAULT 0,
        ces_n integer NOT NULL DEFAULT 0,
        ces_sum integer NOT NULL DEFAULT 0,
        PRIMARY KEY (day, stage_id, touchpoint_id)
      ) WITH (fillfactor = 90)`);
    await q.query(`UPDATE response_stage_state SET stale = true`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_survey_cum, response_kind_cum, response_stage_cum, response_standing_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_survey_cum, response_kind_cum, response_stage_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
    await q.query(`DROP TABLE response_standing_cum`);
  }
}
