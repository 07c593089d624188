import { MigrationInterface, QueryRunner } from 'typeorm';

const SHARD = `(pg_backend_pid() % 16)::smallint`;

/**
 * The rollup upserts for a set of signed counts `d (survey_id, day, channel, score, n)`, in one statement:
 * each key once per table (grouped) and in key order, so two bulk statements never lock rows in opposite
 * orders. Rows go to this backend's shard, so concurrent answers never wait on one another.
 */
function applyDeltas(deltas: string): string {
  return `
    WITH d AS (${deltas}),
    daily AS (
      INSERT INTO response_daily AS t (survey_id, day, channel, score, shard, count)
      SELECT survey_id, day, channel, score, ${SHARD}, n FROM d ORDER BY 1, 2, 3, 4
      ON CONFLICT (survey_id, day, channel, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count
    ),
    by_day AS (
      INSERT INTO response_day_score AS t (survey_id, day, score, shard, count)
      SELECT survey_id, day, score, ${SHARD}, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (day, survey_id, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count
    )
    -- The last upsert is the statement itself (PL/pgSQL runs a data-modifying WITH without a result).
    INSERT INTO response_week_score AS t (survey_id, week, score, shard, count)
    SELECT survey_id, date_trunc('week', day)::date, score, ${SHARD}, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (week, survey_id, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count`;
}

/** Signed counts per (survey, org-day, channel, score) of a transition table. */
const counted = (table: string, sign: 1 | -1) =>
  `SELECT survey_id, (created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, channel, score, ${sign} AS n FROM ${table}`;
/**
 * Net counts per key. Answers deleted with their survey (ON DELETE CASCADE) are skipped: the survey's
 * rollup rows go with it, and a count for a survey that no longer exists could not be stored.
 */
const grouped = (rows: string) => `SELECT survey_id, day, channel, score, sum(n)::int AS n FROM (${rows}) x
  WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id) GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`;

const OLD_ROW_TRIGGER = `
  CREATE FUNCTION response_daily_track() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM response_daily_add(OLD.survey_id, touchpoint_org_day(OLD.created_at), OLD.channel, OLD.score, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      PERFORM response_daily_add(NEW.survey_id, touchpoint_org_day(NEW.created_at), NEW.channel, NEW.score, 1);
    END IF;
    RETURN NULL;
  END
  $$`;

/**
 * Two coarser rollups beside `response_daily`, so that a dashboard page reads a bounded number of rows
 * whatever the number of responses:
 *   response_week_score (survey, Monday of the org-week, score) — whole weeks of a period and the trends;
 *   response_day_score  (survey, org-day, score)              — the days at the edges of a period.
 * Neither has the channel: with a channel filter the pages read `response_daily`.
 *
 * All three are now kept by statement-level triggers with transition tables instead of the row triggers:
 * a statement touching many responses (deleting a survey's answers, an import) adds its counts once per
 * key, where a row trigger updated the same rollup row once per response inside one transaction (a chain
 * of row versions that cannot be pruned until commit: quadratic time). A one-answer insert costs one
 * statement, as before. An UPDATE writes only the keys whose counts really change (score, channel,
 * survey or time), so an anonymisation (contact_id set to null) writes nothing.
 *
 * Also the indexes of the dashboard's keyset lists and response rates.
 */
export class AddScoreRollups1763800300000 implements MigrationInterface {
  name = 'AddScoreRollups1763800300000';

  public async up(q: QueryRunner): Promise<void> {
    // No answer may land between the backfill below and the new triggers.
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE TABLE response_day_score (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        day date NOT NULL,
        score smallint NOT NULL,
        shard smallint NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (day, survey_id, score, shard)
      )`);
    await q.query(`CREATE INDEX response_day_score_survey_idx ON response_day_score (survey_id, day)`);
    await q.query(`
      CREATE TABLE response_week_score (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL CHECK (extract(isodow FROM week) = 1),
        score smallint NOT NULL,
        shard smallint NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (week, survey_id, score, shard)
      )`);
    await q.query(`CREATE INDEX response_week_score_survey_idx ON response_week_score (survey_id, week)`);
    await q.query(`
      INSERT INTO response_day_score (survey_id, day, score, shard, count)
      SELECT survey_id, day, score, 0, sum(count) FROM response_daily GROUP BY 1, 2, 3 HAVING sum(count) <> 0`);
    await q.query(`
      INSERT INTO response_week_score (survey_id, week, score, shard, count)
      SELECT survey_id, date_trunc('week', day)::date, score, 0, sum(count) FROM response_daily GROUP BY 1, 2, 3 HAVING sum(count) <> 0`);

    await q.query(`DROP TRIGGER responses_rollup_upd ON responses`);
    await q.query(`DROP TRIGGER responses_rollup_ins_del ON responses`);
    await q.query(`DROP FUNCTION response_daily_track()`);
    await q.query(`DROP FUNCTION response_daily_add(uuid, date, text, smallint, integer)`);
    await q.query(`
      CREATE FUNCTION response_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${applyDeltas(grouped(counted('new_rows', 1)))};
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION response_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${applyDeltas(grouped(counted('old_rows', -1)))};
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION response_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${applyDeltas(grouped(`${counted('new_rows', 1)} UNION ALL ${counted('old_rows', -1)}`))};
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER responses_rollup_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_insert()`);
    await q.query(`CREATE TRIGGER responses_rollup_delete AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_delete()`);
    await q.query(`CREATE TRIGGER responses_rollup_update AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_update()`);
    // TRUNCATE fires no DELETE trigger: empty the rollups with it.
    await q.query(`
      CREATE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_day_score, response_week_score;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER responses_rollup_truncate AFTER TRUNCATE ON responses FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_truncate()`);

    // Response rate of a survey over a period: invitations sent in it.
    await q.query(`CREATE INDEX invitations_survey_sent_idx ON invitations (survey_id, sent_at) INCLUDE (responded_at) WHERE sent_at IS NOT NULL`);
    // The follow-up queue, newest first, by status and by assignee (keyset on created_at, id).
    await q.query(`CREATE INDEX follow_ups_status_created_idx ON follow_ups (status, created_at, id)`);
    await q.query(`CREATE INDEX follow_ups_created_idx ON follow_ups (created_at, id)`);
    await q.query(`CREATE INDEX follow_ups_assignee_idx ON follow_ups (assignee_user_id, created_at, id) WHERE assignee_user_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`DROP INDEX IF EXISTS follow_ups_assignee_idx`);
    await q.query(`DROP INDEX IF EXISTS follow_ups_created_idx`);
    await q.query(`DROP INDEX IF EXISTS follow_ups_status_created_idx`);
    await q.query(`DROP INDEX IF EXISTS invitations_survey_sent_idx`);
    for (const op of ['insert', 'delete', 'update', 'truncate']) {
      await q.query(`DROP TRIGGER IF EXISTS responses_rollup_${op} ON responses`);
      await q.query(`DROP FUNCTION IF EXISTS response_rollup_${op}()`);
    }
    await q.query(`
      CREATE FUNCTION response_daily_add(s uuid, d date, ch text, sc smallint, delta integer) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO response_daily (survey_id, day, channel, score, shard, count)
        VALUES (s, d, ch, sc, ${SHARD}, delta)
        ON CONFLICT (survey_id, day, channel, score, shard) DO UPDATE SET count = response_daily.count + EXCLUDED.count
      $$`);
    await q.query(OLD_ROW_TRIGGER);
    await q.query(`
      CREATE TRIGGER responses_rollup_ins_del AFTER INSERT OR DELETE ON responses
      FOR EACH ROW EXECUTE FUNCTION response_daily_track()`);
    await q.query(`
      CREATE TRIGGER responses_rollup_upd AFTER UPDATE OF survey_id, score, channel, created_at ON responses
      FOR EACH ROW WHEN (OLD.survey_id IS DISTINCT FROM NEW.survey_id OR OLD.score IS DISTINCT FROM NEW.score
        OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.created_at IS DISTINCT FROM NEW.created_at)
      EXECUTE FUNCTION response_daily_track()`);
    await q.query(`DROP TABLE IF EXISTS response_week_score`);
    await q.query(`DROP TABLE IF EXISTS response_day_score`);
  }
}
