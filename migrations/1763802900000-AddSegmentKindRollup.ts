import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segment comparison at the same cost whatever the number of answers (issue 16): `segment_kind_cum`
 * (dimension, day, value, kind, score, cum) is `segment_score_cum` summed over the surveys of each metric
 * kind, dense and cumulative up to `segment_cum_horizon` like it. The comparison page and
 * `by=attribute:KEY|hidden:KEY` read it: values × kinds × scale points rows per edge day (about a hundred),
 * instead of values × surveys × scale points (a few thousand once every key has answers).
 *
 * A survey's deleted answers leave the per-survey rollup by cascade, but the per-kind one must lose them
 * too, after the survey row is gone. So each delta now carries its survey's kind, a BEFORE DELETE trigger on
 * `surveys` appends the survey's answers negated per dimension, and the per-kind fold takes every delta
 * (the per-survey fold still drops those of a missing survey), as `response_kind_cum` does.
 *
 * Existing deltas are dropped and every dimension is marked to be recounted: the segment folder rebuilds
 * both rollups from raw answers (reads count raw answers meanwhile, as for a dimension just chosen).
 */
const DAY = `(SELECT time_zone FROM settings WHERE id = 1)`;

const counted = (table: string, sign: 1 | -1) =>
  `SELECT survey_id, contact_id, hidden, (created_at AT TIME ZONE ${DAY})::date AS day, score, ${sign} AS n FROM ${table}`;

/** The response triggers' body; `withKind` false gives the previous version (for `down`). */
const append = (rows: string, withKind: boolean) => `
  IF EXISTS (SELECT 1 FROM segment_dimensions) THEN
    INSERT INTO segment_rollup_delta (dimension, value, survey_id, ${withKind ? 'kind, ' : ''}day, score, n)
    SELECT d.source || ':' || d.key, v.value, x.survey_id, ${withKind ? 's.kind, ' : ''}x.day, x.score, sum(x.n)::int
    FROM (${rows}) x
    JOIN surveys s ON s.id = x.survey_id
    CROSS JOIN segment_dimensions d
    LEFT JOIN contacts c ON d.source = 'attribute' AND c.id = x.contact_id
    CROSS JOIN LATERAL (SELECT segment_value(CASE WHEN d.source = 'attribute' THEN c.attributes ELSE x.hidden END, d.key)) v(value)
    WHERE v.value IS NOT NULL
    GROUP BY ${withKind ? '1, 2, 3, 4, 5, 6' : '1, 2, 3, 4, 5'} HAVING sum(x.n) <> 0;
  END IF`;

const contactUpdate = (withKind: boolean) => `
  BEGIN
    IF EXISTS (SELECT 1 FROM segment_dimensions WHERE source = 'attribute') THEN
      INSERT INTO segment_rollup_delta (dimension, value, survey_id, ${withKind ? 'kind, ' : ''}day, score, n)
      SELECT 'attribute:' || d.key, v.value, r.survey_id, ${withKind ? 's.kind, ' : ''}(r.created_at AT TIME ZONE ${DAY})::date, r.score, sum(v.n)::int
      FROM old_rows o JOIN new_rows nw ON nw.id = o.id
      JOIN segment_dimensions d ON d.source = 'attribute'
        AND segment_value(o.attributes, d.key) IS DISTINCT FROM segment_value(nw.attributes, d.key)
      CROSS JOIN LATERAL (VALUES (segment_value(o.attributes, d.key), -1), (segment_value(nw.attributes, d.key), 1)) v(value, n)
      JOIN responses r ON r.contact_id = o.id
      ${withKind ? 'JOIN surveys s ON s.id = r.survey_id' : ''}
      WHERE v.value IS NOT NULL
      GROUP BY ${withKind ? '1, 2, 3, 4, 5, 6' : '1, 2, 3, 4, 5'} HAVING sum(v.n) <> 0;
    END IF;
    RETURN NULL;
  END`;

const contactDelete = (withKind: boolean) => `
  BEGIN
    IF EXISTS (SELECT 1 FROM segment_dimensions WHERE source = 'attribute') THEN
      INSERT INTO segment_rollup_delta (dimension, value, survey_id, ${withKind ? 'kind, ' : ''}day, score, n)
      SELECT 'attribute:' || d.key, segment_value(OLD.attributes, d.key), r.survey_id, ${withKind ? 's.kind, ' : ''}(r.created_at AT TIME ZONE ${DAY})::date, r.score, -count(*)::int
      FROM segment_dimensions d JOIN responses r ON r.contact_id = OLD.id
      ${withKind ? 'JOIN surveys s ON s.id = r.survey_id' : ''}
      WHERE d.source = 'attribute' AND segment_value(OLD.attributes, d.key) IS NOT NULL
      GROUP BY ${withKind ? '1, 2, 3, 4, 5, 6' : '1, 2, 3, 4, 5'};
    END IF;
    RETURN OLD;
  END`;

const truncate = (tables: string) => `
  BEGIN
    TRUNCATE ${tables};
    RETURN NULL;
  END`;

async function defineTriggers(q: QueryRunner, withKind: boolean): Promise<void> {
  const bodies: Record<string, string> = {
    insert: append(counted('new_rows', 1), withKind),
    delete: append(counted('old_rows', -1), withKind),
    update: append(`${counted('new_rows', 1)} UNION ALL ${counted('old_rows', -1)}`, withKind),
  };
  for (const [op, sql] of Object.entries(bodies)) {
    await q.query(`
      CREATE OR REPLACE FUNCTION segment_rollup_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${sql};
        RETURN NULL;
      END
      $$`);
  }
  await q.query(`CREATE OR REPLACE FUNCTION segment_contact_update() RETURNS trigger LANGUAGE plpgsql AS $$${contactUpdate(withKind)}$$`);
  await q.query(`CREATE OR REPLACE FUNCTION segment_contact_delete() RETURNS trigger LANGUAGE plpgsql AS $$${contactDelete(withKind)}$$`);
  await q.query(`CREATE OR REPLACE FUNCTION segment_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$${
    truncate(withKind ? 'segment_score_cum, segment_kind_cum, segment_rollup_delta' : 'segment_score_cum, segment_rollup_delta')}$$`);
}

export class AddSegmentKindRollup1763802900000 implements MigrationInterface {
  name = 'AddSegmentKindRollup1763802900000';

  public async up(q: QueryRunner): Promise<void> {
    // Writers of answers and contacts wait, so no delta is written with the old shape meanwhile.
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`DELETE FROM segment_rollup_delta`);
    await q.query(`ALTER TABLE segment_rollup_delta ADD COLUMN kind text NOT NULL`);
    await q.query(`
      CREATE TABLE segment_kind_cum (
        dimension text NOT NULL,
        day date NOT NULL,
        value text NOT NULL,
        kind text NOT NULL,
        score smallint NOT NULL,
        cum integer NOT NULL,
        PRIMARY KEY (dimension, day, value, kind, score)
      ) WITH (fillfactor = 90)`);
    await defineTriggers(q, true);
    await q.query(`
      CREATE FUNCTION segment_rollup_survey_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Every answer of the survey leaves its value in each dimension (the per-kind rollup keeps no survey).
        IF EXISTS (SELECT 1 FROM segment_dimensions) THEN
          INSERT INTO segment_rollup_delta (dimension, value, survey_id, kind, day, score, n)
          SELECT d.source || ':' || d.key, v.value, r.survey_id, OLD.kind, (r.created_at AT TIME ZONE ${DAY})::date, r.score, -count(*)::int
          FROM responses r
          CROSS JOIN segment_dimensions d
          LEFT JOIN contacts c ON d.source = 'attribute' AND c.id = r.contact_id
          CROSS JOIN LATERAL (SELECT segment_value(CASE WHEN d.source = 'attribute' THEN c.attributes ELSE r.hidden END, d.key)) v(value)
          WHERE r.survey_id = OLD.id AND v.value IS NOT NULL
          GROUP BY 1, 2, 3, 4, 5, 6;
        END IF;
        RETURN OLD;
      END
      $$`);
    await q.query(`CREATE TRIGGER surveys_segment_delete BEFORE DELETE ON surveys FOR EACH ROW EXECUTE FUNCTION segment_rollup_survey_delete()`);
    // Both rollups are recounted from raw answers by the segment folder.
    await q.query(`DELETE FROM segment_score_cum`);
    await q.query(`UPDATE segment_dimensions SET built_at = NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`DROP TRIGGER surveys_segment_delete ON surveys`);
    await q.query(`DROP FUNCTION segment_rollup_survey_delete()`);
    await defineTriggers(q, false);
    await q.query(`DROP TABLE segment_kind_cum`);
    await q.query(`DELETE FROM segment_rollup_delta`);
    await q.query(`ALTER TABLE segment_rollup_delta DROP COLUMN kind`);
    await q.query(`DELETE FROM segment_score_cum`);
    await q.query(`UPDATE segment_dimensions SET built_at = NULL`);
  }
}
