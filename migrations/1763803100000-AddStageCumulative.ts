import { MigrationInterface, QueryRunner } from 'typeorm';

/** The folder's advisory lock (src/modules/metrics/rollup.ts FOLD_LOCK): no fold may run meanwhile. */
const FOLD_LOCK = 7_301_720_017;

const POINTS = Array.from({ length: 11 }, (_, i) => i);
const cols = (f: (i: number) => string) => POINTS.map(f).join(', ');

/**
 * A per-stage cumulative rollup (issue 17): `response_stage_cum` (day, stage, kind, h0 … h10), the answers
 * of every survey counted in the stage (its own, or its touchpoint's), dense like `response_survey_cum`.
 * `by=stage` then reads stages × kinds rows per edge day, however many touchpoints a stage holds.
 *
 * Which stage a survey counts in can change (a touchpoint moved to another stage, a survey attached
 * elsewhere or deleted). Such a change only marks the rollup stale (`response_stage_state`, one row, set by
 * statement triggers on `touchpoints` and `surveys`): the folder then recomputes it from the per-survey
 * rollup under its lock, and readers count from the per-survey rollup meanwhile, in the same statement.
 * The triggers always write the row (even when it is already stale), so that a move and a recomputation
 * serialise on it: a recomputation locks the row before it reads the surveys, so it either sees the move
 * or the move marks the rollup stale again after it.
 */
export class AddStageCumulative1763803100000 implements MigrationInterface {
  name = 'AddStageCumulative1763803100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
    await q.query(`
      CREATE TABLE response_stage_cum (
        day date NOT NULL,
        stage_id integer NOT NULL,
        kind text NOT NULL,
        ${cols((i) => `h${i} integer NOT NULL DEFAULT 0`)},
        PRIMARY KEY (day, stage_id, kind)
      ) WITH (fillfactor = 90)`);
    await q.query(`CREATE TABLE response_stage_state (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), stale boolean NOT NULL)`);
    // Stale from the start: the folder computes it at its first run (a migration does not count).
    await q.query(`INSERT INTO response_stage_state (stale) VALUES (true)`);
    await q.query(`
      CREATE FUNCTION response_stage_touchpoints_moved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.stage_id IS DISTINCT FROM o.stage_id) THEN
          UPDATE response_stage_state SET stale = true;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER touchpoints_stage_moved AFTER UPDATE ON touchpoints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION response_stage_touchpoints_moved()`);
    await q.query(`
      CREATE FUNCTION response_stage_surveys_moved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE (n.stage_id, n.touchpoint_id, n.kind) IS DISTINCT FROM (o.stage_id, o.touchpoint_id, o.kind)) THEN
          UPDATE response_stage_state SET stale = true;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER surveys_stage_moved AFTER UPDATE ON surveys REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION response_stage_surveys_moved()`);
    await q.query(`
      CREATE FUNCTION response_stage_surveys_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE response_stage_state SET stale = true;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER surveys_stage_deleted AFTER DELETE ON surveys FOR EACH STATEMENT EXECUTE FUNCTION response_stage_surveys_deleted()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_survey_cum, response_kind_cum, response_stage_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER surveys_stage_deleted ON surveys`);
    await q.query(`DROP TRIGGER surveys_stage_moved ON surveys`);
    await q.query(`DROP TRIGGER touchpoints_stage_moved ON touchpoints`);
    await q.query(`DROP FUNCTION response_stage_surveys_deleted()`);
    await q.query(`DROP FUNCTION response_stage_surveys_moved()`);
    await q.query(`DROP FUNCTION response_stage_touchpoints_moved()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_survey_cum, response_kind_cum, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
    await q.query(`DROP TABLE response_stage_state`);
    await q.query(`DROP TABLE response_stage_cum`);
  }
}
