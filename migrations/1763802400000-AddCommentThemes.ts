import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Comment themes and team topics (SPEC §6), stored as counts so that a page reads a bounded number of rows:
 * - `comment_phrases`: the phrase dictionary (language, folded key, the label shown).
 * - `comment_theme_counts` (survey, org-week, score group, phrase): comments that mention the phrase, for ranking;
 *   `comment_theme_scores` (phrase, survey, org-week, score): the same per score, for the impact of the top few.
 * - `comment_week_scores` (survey, org-week, score): comments analysed, the denominators of shares and impact.
 * - `comment_theme_examples` (survey, score group, phrase): the latest few responses that mention it.
 * - `topics` and `topic_week_counts` (topic, survey, org-week, score): the team's own topics, matched in SQL
 *   on `touchpoint_fold(comment)` (no diacritics, lower case, NFC or NFD alike).
 * - `comment_analysis_log`: every change of a commented answer as signed rows (-old, +new), written by a
 *   statement-level trigger (one INSERT … SELECT per statement, nothing for answers without a comment) and
 *   drained by the `comment-themes` job, off the answer path. Deleting a survey cascades its counts.
 */

/** Every precomposed Latin letter with diacritics (upper and lower case) -> its base letter, lower case. */
function foldMap(): { from: string; to: string } {
  let from = 'Đđ';
  let to = 'dd';
  for (let cp = 0xc0; cp <= 0x1eff; cp++) {
    const ch = String.fromCodePoint(cp);
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (base !== ch && /^[A-Za-z]$/.test(base)) {
      from += ch;
      to += base.toLowerCase();
    }
  }
  return { from, to };
}

const LOG_COLUMNS = 'response_id, sign, survey_id, created_at, score, locale, comment';
const logged = (table: string, sign: 1 | -1) =>
  `SELECT r.id, ${sign}, r.survey_id, r.created_at, r.score, r.locale, r.comment FROM ${table} r
   WHERE r.comment IS NOT NULL AND btrim(r.comment) <> '' AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = r.survey_id)`;

export class AddCommentThemes1763802400000 implements MigrationInterface {
  name = 'AddCommentThemes1763802400000';

  public async up(q: QueryRunner): Promise<void> {
    const { from, to } = foldMap();
    await q.query(`
      CREATE FUNCTION touchpoint_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT lower(regexp_replace(translate(t, '${from}', '${to}'), '[\\u0300-\\u036f]', '', 'g'))
      $$`);
    await q.query(`
      CREATE FUNCTION touchpoint_score_group(kind text, score integer) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE kind
          WHEN 'nps' THEN CASE WHEN score >= 9 THEN 'promoter' WHEN score <= 6 THEN 'detractor' ELSE 'passive' END
          WHEN 'csat' THEN CASE WHEN score >= 4 THEN 'promoter' WHEN score <= 2 THEN 'detractor' ELSE 'passive' END
          ELSE CASE WHEN score >= 5 THEN 'promoter' WHEN score <= 3 THEN 'detractor' ELSE 'passive' END
        END
      $$`);
    await q.query(`
      CREATE TABLE comment_phrases (
        id serial PRIMARY KEY,
        language text NOT NULL CHECK (language IN ('vi', 'en')),
        key text NOT NULL,
        label text NOT NULL,
        UNIQUE (language, key)
      )`);
    // Ranking reads the counts per score group; impact and emerging read the per-score counts of the few top phrases.
    await q.query(`
      CREATE TABLE comment_theme_counts (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL,
        grp text NOT NULL CHECK (grp IN ('promoter', 'passive', 'detractor')),
        phrase_id integer NOT NULL REFERENCES comment_phrases(id),
        n integer NOT NULL,
        PRIMARY KEY (survey_id, week, grp, phrase_id)
      )`);
    // The same summed over every survey, so that the whole journey reads as few rows as one touchpoint; a
    // survey's deletion takes its counts out (the trigger below), the rest follows the counts above.
    await q.query(`
      CREATE TABLE comment_theme_journey (
        week date NOT NULL,
        grp text NOT NULL CHECK (grp IN ('promoter', 'passive', 'detractor')),
        phrase_id integer NOT NULL REFERENCES comment_phrases(id),
        n integer NOT NULL,
        PRIMARY KEY (week, grp, phrase_id)
      )`);
    await q.query(`
      CREATE FUNCTION comment_theme_journey_forget() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE comment_theme_journey j SET n = j.n - c.n
        FROM (SELECT week, grp, phrase_id, sum(n)::int AS n FROM comment_theme_counts WHERE survey_id = OLD.id GROUP BY 1, 2, 3) c
        WHERE j.week = c.week AND j.grp = c.grp AND j.phrase_id = c.phrase_id;
        RETURN OLD;
      END
      $$`);
    await q.query(`CREATE TRIGGER surveys_forget_themes BEFORE DELETE ON surveys FOR EACH ROW EXECUTE FUNCTION comment_theme_journey_forget()`);
    await q.query(`
      CREATE TABLE comment_theme_scores (
        phrase_id integer NOT NULL REFERENCES comment_phrases(id),
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL,
        score smallint NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (phrase_id, survey_id, week, score)
      )`);
    await q.query(`
      CREATE TABLE comment_week_scores (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL,
        score smallint NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (survey_id, week, score)
      )`);
    await q.query(`
      CREATE TABLE comment_theme_examples (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        grp text NOT NULL CHECK (grp IN ('promoter', 'passive', 'detractor')),
        phrase_id integer NOT NULL REFERENCES comment_phrases(id),
        response_ids bigint[] NOT NULL,
        PRIMARY KEY (survey_id, phrase_id, grp)
      )`);
    await q.query(`
      CREATE TABLE topics (
        id serial PRIMARY KEY,
        name_vi text NOT NULL,
        name_en text NOT NULL,
        keywords text[] NOT NULL,
        pattern text NOT NULL,
        counted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE topic_week_counts (
        topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        week date NOT NULL,
        score smallint NOT NULL,
        n integer NOT NULL,
        PRIMARY KEY (topic_id, survey_id, week, score)
      )`);
    await q.query(`CREATE INDEX topic_week_counts_survey ON topic_week_counts (survey_id, week)`);
    await q.query(`
      CREATE TABLE comment_analysis_log (
        id bigserial PRIMARY KEY,
        response_id bigint NOT NULL,
        sign smallint NOT NULL,
        survey_id uuid NOT NULL,
        created_at timestamptz NOT NULL,
        score smallint NOT NULL,
        locale text NOT NULL,
        comment text NOT NULL
      )`);
    await q.query(`
      CREATE FUNCTION comment_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO comment_analysis_log (${LOG_COLUMNS}) ${logged('new_rows', 1)};
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION comment_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO comment_analysis_log (${LOG_COLUMNS}) ${logged('old_rows', -1)};
        RETURN NULL;
      END
      $$`);
    // Only answers whose comment, score, survey or time changed: an anonymisation writes nothing here.
    await q.query(`
      CREATE FUNCTION comment_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO comment_analysis_log (${LOG_COLUMNS})
        WITH changed AS (
          SELECT o.id FROM old_rows o JOIN new_rows n USING (id)
          WHERE (o.comment, o.score, o.survey_id, o.created_at, o.locale) IS DISTINCT FROM (n.comment, n.score, n.survey_id, n.created_at, n.locale))
        ${logged('old_rows', -1)} AND r.id IN (SELECT id FROM changed)
        UNION ALL
        ${logged('new_rows', 1)} AND r.id IN (SELECT id FROM changed);
        RETURN NULL;
      END
      $$`);
    await q.query(`CREATE TRIGGER responses_comment_log_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comment_log_insert()`);
    await q.query(`CREATE TRIGGER responses_comment_log_delete AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION comment_log_delete()`);
    await q.query(`CREATE TRIGGER responses_comment_log_update AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comment_log_update()`);
    // Existing comments are analysed by the job like new ones.
    await q.query(`INSERT INTO comment_analysis_log (${LOG_COLUMNS}) ${logged('responses', 1)} ORDER BY r.id`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS surveys_forget_themes ON surveys`);
    await q.query(`DROP FUNCTION IF EXISTS comment_theme_journey_forget()`);
    for (const trigger of ['responses_comment_log_insert', 'responses_comment_log_delete', 'responses_comment_log_update']) {
      await q.query(`DROP TRIGGER IF EXISTS ${trigger} ON responses`);
    }
    for (const fn of ['comment_log_insert', 'comment_log_delete', 'comment_log_update']) await q.query(`DROP FUNCTION IF EXISTS ${fn}()`);
    for (const table of ['comment_analysis_log', 'topic_week_counts', 'topics', 'comment_theme_examples', 'comment_week_scores', 'comment_theme_scores', 'comment_theme_journey', 'comment_theme_counts', 'comment_phrases']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS touchpoint_score_group(text, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS touchpoint_fold(text)`);
  }
}
