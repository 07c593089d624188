import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personas and segments (issue 16): the dimensions an admin chose, and their rollups.
 * - `segment_dimensions` (source attribute|hidden, key): up to five contact attributes and three hidden
 *   fields; `built_at` is null until the segment job has counted the dimension's past answers.
 * - `segment_rollup_delta` (dimension, value, survey, org-day, score, n): appended by statement triggers,
 *   folded every second by the segment folder, like `response_rollup_delta` (no index).
 * - `segment_score_cum` (dimension, day, value, survey, score, cum): dense cumulative counts, like
 *   `response_score_cum`, up to `segment_cum_horizon`; a period is cum(b) - cum(a - 1).
 *
 * A contact attribute counts at its CURRENT value (the responses page's attribute filter reads contacts as
 * they are, and both must agree): an answer moves when its contact's attribute changes (contacts UPDATE,
 * an import's upsert included) and leaves its value when the contact is erased (BEFORE DELETE, while the
 * answers still point at it; the ON DELETE SET NULL that follows finds no contact and counts nothing).
 * A hidden field belongs to the answer; erasure empties it (an UPDATE of responses, counted as such).
 * Only string values of 1–200 characters count (the filters take no longer value), here and in raw reads.
 */
const DAY = `(SELECT time_zone FROM settings WHERE id = 1)`;

const counted = (table: string, sign: 1 | -1) =>
  `SELECT survey_id, contact_id, hidden, (created_at AT TIME ZONE ${DAY})::date AS day, score, ${sign} AS n FROM ${table}`;

const append = (rows: string) => `
  IF EXISTS (SELECT 1 FROM segment_dimensions) THEN
    INSERT INTO segment_rollup_delta (dimension, value, survey_id, day, score, n)
    SELECT d.source || ':' || d.key, v.value, x.survey_id, x.day, x.score, sum(x.n)::int
    FROM (${rows}) x
    JOIN surveys s ON s.id = x.survey_id
    CROSS JOIN segment_dimensions d
    LEFT JOIN contacts c ON d.source = 'attribute' AND c.id = x.contact_id
    CROSS JOIN LATERAL (SELECT segment_value(CASE WHEN d.source = 'attribute' THEN c.attributes ELSE x.hidden END, d.key)) v(value)
    WHERE v.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(x.n) <> 0;
  END IF`;

export class AddSegmentRollups1763802800000 implements MigrationInterface {
  name = 'AddSegmentRollups1763802800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segment_dimensions (
        source text NOT NULL CHECK (source IN ('attribute', 'hidden')),
        key text NOT NULL CHECK (key ~ '^[A-Za-z0-9_.-]{1,40}$'),
        position smallint NOT NULL,
        built_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, key)
      )`);
    await q.query(`
      CREATE TABLE segment_rollup_delta (
        dimension text NOT NULL,
        value text NOT NULL,
        survey_id uuid NOT NULL,
        day date NOT NULL,
        score smallint NOT NULL,
        n integer NOT NULL
      ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0)`);
    await q.query(`
      CREATE TABLE segment_score_cum (
        dimension text NOT NULL,
        day date NOT NULL,
        value text NOT NULL,
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        score smallint NOT NULL,
        cum integer NOT NULL,
        PRIMARY KEY (dimension, day, value, survey_id, score)
      ) WITH (fillfactor = 90)`);
    await q.query(`CREATE TABLE segment_cum_horizon (day date NOT NULL)`);
    await q.query(`
      CREATE FUNCTION segment_value(j jsonb, k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN jsonb_typeof(j -> k) = 'string' AND length(j ->> k) BETWEEN 1 AND 200 THEN j ->> k END
      $$`);
    const bodies: Record<string, string> = {
      insert: append(counted('new_rows', 1)),
      delete: append(counted('old_rows', -1)),
      update: append(`${counted('new_rows', 1)} UNION ALL ${counted('old_rows', -1)}`),
    };
    for (const [op, sql] of Object.entries(bodies)) {
      await q.query(`
        CREATE FUNCTION segment_rollup_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          ${sql};
          RETURN NULL;
        END
        $$`);
    }
    await q.query(`CREATE TRIGGER responses_segment_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_rollup_insert()`);
    await q.query(`CREATE TRIGGER responses_segment_delete AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_rollup_delete()`);
    await q.query(`CREATE TRIGGER responses_segment_update AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_rollup_update()`);
    await q.query(`
      CREATE FUNCTION segment_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE segment_score_cum, segment_rollup_delta;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER responses_segment_truncate AFTER TRUNCATE ON responses FOR EACH STATEMENT EXECUTE FUNCTION segment_rollup_truncate()`);
    // A contact's attribute changed (an edit, an import's upsert): its answers move from the old value to the new.
    await q.query(`
      CREATE FUNCTION segment_contact_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM segment_dimensions WHERE source = 'attribute') THEN
          INSERT INTO segment_rollup_delta (dimension, value, survey_id, day, score, n)
          SELECT 'attribute:' || d.key, v.value, r.survey_id, (r.created_at AT TIME ZONE ${DAY})::date, r.score, sum(v.n)::int
          FROM old_rows o JOIN new_rows nw ON nw.id = o.id
          JOIN segment_dimensions d ON d.source = 'attribute'
            AND segment_value(o.attributes, d.key) IS DISTINCT FROM segment_value(nw.attributes, d.key)
          CROSS JOIN LATERAL (VALUES (segment_value(o.attributes, d.key), -1), (segment_value(nw.attributes, d.key), 1)) v(value, n)
          JOIN responses r ON r.contact_id = o.id
          WHERE v.value IS NOT NULL
          GROUP BY 1, 2, 3, 4, 5 HAVING sum(v.n) <> 0;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER contacts_segment_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION segment_contact_update()`);
    await q.query(`
      CREATE FUNCTION segment_contact_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM segment_dimensions WHERE source = 'attribute') THEN
          INSERT INTO segment_rollup_delta (dimension, value, survey_id, day, score, n)
          SELECT 'attribute:' || d.key, segment_value(OLD.attributes, d.key), r.survey_id, (r.created_at AT TIME ZONE ${DAY})::date, r.score, -count(*)::int
          FROM segment_dimensions d JOIN responses r ON r.contact_id = OLD.id
          WHERE d.source = 'attribute' AND segment_value(OLD.attributes, d.key) IS NOT NULL
          GROUP BY 1, 2, 3, 4, 5;
        END IF;
        RETURN OLD;
      END
      $$`);
    await q.query(`CREATE TRIGGER contacts_segment_delete BEFORE DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION segment_contact_delete()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER contacts_segment_delete ON contacts`);
    await q.query(`DROP TRIGGER contacts_segment_update ON contacts`);
    for (const op of ['insert', 'delete', 'update', 'truncate']) await q.query(`DROP TRIGGER responses_segment_${op} ON responses`);
    for (const fn of ['segment_contact_delete', 'segment_contact_update', 'segment_rollup_truncate', 'segment_rollup_insert', 'segment_rollup_delete', 'segment_rollup_update']) {
      await q.query(`DROP FUNCTION ${fn}()`);
    }
    await q.query(`DROP FUNCTION segment_value(jsonb, text)`);
    await q.query(`DROP TABLE segment_cum_horizon`);
    await q.query(`DROP TABLE segment_score_cum`);
    await q.query(`DROP TABLE segment_rollup_delta`);
    await q.query(`DROP TABLE segment_dimensions`);
  }
}
