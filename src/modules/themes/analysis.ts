import type { DataSource, EntityManager } from 'typeorm';
import type { ScoreGroup } from '../metrics/scoring';
import { prepareComment, type TextLanguage } from './text';

/**
 * Turning comments into stored counts, off the answer path. Two ways in, one result:
 * - the `comment-themes` job drains `comment_analysis_log` (signed rows written by a trigger on responses:
 *   -old and +new of every change), so updates and deletions subtract exactly what was added;
 * - a bulk rebuild (seed:demo, history imports, repairs) recounts everything from the responses, analysing
 *   each distinct text once and letting PostgreSQL multiply by how often it occurs.
 * Both hold one advisory lock, so a topic's first count never races the job (see countTopic).
 */
export const THEMES_LOCK = 7_146_013;
/** Latest example responses kept per (survey, score group, phrase). */
export const EXAMPLES_KEPT = 3;

interface PhraseKey { language: TextLanguage; key: string; label: string }

/** Phrase ids for (language, key), creating the missing ones; a label with accents replaces one without. */
async function phraseIds(tx: EntityManager, phrases: PhraseKey[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (phrases.length === 0) return ids;
  const unique = new Map<string, PhraseKey>();
  for (const p of phrases) {
    const known = unique.get(`${p.language}:${p.key}`);
    if (!known || (known.label === p.key && p.label !== p.key)) unique.set(`${p.language}:${p.key}`, p);
  }
  const list = [...unique.values()].sort((a, b) => (a.language + a.key).localeCompare(b.language + b.key));
  const rows: Array<{ id: number; language: string; key: string }> = await tx.query(
    `INSERT INTO comment_phrases AS p (language, key, label)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (language, key) DO UPDATE SET label = EXCLUDED.label
       WHERE p.label = touchpoint_fold(p.label) AND EXCLUDED.label <> touchpoint_fold(EXCLUDED.label)
     RETURNING id, language, key`,
    [list.map((p) => p.language), list.map((p) => p.key), list.map((p) => p.label)],
  );
  for (const r of rows) ids.set(`${r.language}:${r.key}`, r.id);
  const missing = list.filter((p) => !ids.has(`${p.language}:${p.key}`));
  if (missing.length > 0) {
    const found: Array<{ id: number; language: string; key: string }> = await tx.query(
      `SELECT p.id, p.language, p.key FROM comment_phrases p JOIN unnest($1::text[], $2::text[]) AS x(language, key) USING (language, key)`,
      [missing.map((p) => p.language), missing.map((p) => p.key)],
    );
    for (const r of found) ids.set(`${r.language}:${r.key}`, r.id);
  }
  return ids;
}

/**
 * The phrases of the texts analysed lately, across batches: the same comment ("ok", "Nhân viên thân
 * thiện") is prepared, and its language detected, once. Bounded: emptied when full.
 */
const RECENT_TEXTS = 20_000;
const recent = new Map<string, PhraseKey[]>();

/** Phrases of one text, from the cache of recent texts when it was seen. */
function analyser() {
  return (comment: string, locale: string): PhraseKey[] => {
    const k = `${locale}\u0000${comment}`;
    let out = recent.get(k);
    if (!out) {
      const prepared = prepareComment(comment, locale === 'en' ? 'en' : 'vi');
      out = prepared.phrases.map((p) => ({ language: prepared.language, key: p.key, label: p.label }));
      if (recent.size >= RECENT_TEXTS) recent.clear();
      recent.set(k, out);
    }
    return out;
  };
}

class Deltas {
  readonly counts = new Map<string, number>();
  readonly scores = new Map<string, number>();
  readonly weekScores = new Map<string, number>();
  readonly examples = new Map<string, string[]>();
  add(map: Map<string, number>, key: string, n: number) {
    map.set(key, (map.get(key) ?? 0) + n);
  }
}

async function applyDeltas(tx: EntityManager, d: Deltas): Promise<void> {
  const split = (map: Map<string, number>) => {
    const keys = [...map.entries()].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b));
    return { parts: keys.map(([k]) => k.split('|')), n: keys.map(([, n]) => n) };
  };
  const counts = split(d.counts);
  if (counts.n.length) {
    await tx.query(
      `INSERT INTO comment_theme_counts AS t (survey_id, week, grp, phrase_id, n)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::text[], $4::int[], $5::int[])
       ON CONFLICT (survey_id, week, grp, phrase_id) DO UPDATE SET n = t.n + EXCLUDED.n`,
      [counts.parts.map((p) => p[0]), counts.parts.map((p) => p[1]), counts.parts.map((p) => p[2]), counts.parts.map((p) => Number(p[3])), counts.n],
    );
  }
  const journey = new Map<string, number>();
  for (const [key, n] of d.counts) {
    const [, week, grp, phrase] = key.split('|');
    journey.set(`${week}|${grp}|${phrase}`, (journey.get(`${week}|${grp}|${phrase}`) ?? 0) + n);
  }
  const whole = split(journey);
  if (whole.n.length) {
    await tx.query(
      `INSERT INTO comment_theme_journey AS t (week, grp, phrase_id, n)
       SELECT * FROM unnest($1::date[], $2::text[], $3::int[], $4::int[])
       ON CONFLICT (week, grp, phrase_id) DO UPDATE SET n = t.n + EXCLUDED.n`,
      [whole.parts.map((p) => p[0]), whole.parts.map((p) => p[1]), whole.parts.map((p) => Number(p[2])), whole.n],
    );
  }
  const scores = split(d.scores);
  if (scores.n.length) {
    await tx.query(
      `INSERT INTO comment_theme_scores AS t (phrase_id, survey_id, week, score, n)
       SELECT * FROM unnest($1::int[], $2::uuid[], $3::date[], $4::smallint[], $5::int[])
       ON CONFLICT (phrase_id, survey_id, week, score) DO UPDATE SET n = t.n + EXCLUDED.n`,
      [scores.parts.map((p) => Number(p[0])), scores.parts.map((p) => p[1]), scores.parts.map((p) => p[2]), scores.parts.map((p) => Number(p[3])), scores.n],
    );
  }
  const weeks = split(d.weekScores);
  if (weeks.n.length) {
    await tx.query(
      `INSERT INTO comment_week_scores AS t (survey_id, week, score, n)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::smallint[], $4::int[])
       ON CONFLICT (survey_id, week, score) DO UPDATE SET n = t.n + EXCLUDED.n`,
      [weeks.parts.map((p) => p[0]), weeks.parts.map((p) => p[1]), weeks.parts.map((p) => Number(p[2])), weeks.n],
    );
  }
  const examples = [...d.examples.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (examples.length) {
    const parts = examples.map(([k]) => k.split('|'));
    await tx.query(
      `INSERT INTO comment_theme_examples AS t (survey_id, grp, phrase_id, response_ids)
       SELECT x.s, x.g, x.p, ARRAY(SELECT unnest(string_to_array(x.ids, ',')::bigint[]) ORDER BY 1 DESC LIMIT ${EXAMPLES_KEPT})
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS x(s, g, p, ids)
       ON CONFLICT (survey_id, phrase_id, grp) DO UPDATE
         SET response_ids = ARRAY(SELECT DISTINCT unnest(EXCLUDED.response_ids || t.response_ids) ORDER BY 1 DESC LIMIT ${EXAMPLES_KEPT})`,
      [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => Number(p[2])), examples.map(([, ids]) => ids.join(','))],
    );
  }
}

interface LogRow { response_id: string; sign: number; survey_id: string; week: string; score: number; grp: ScoreGroup; locale: string; comment: string }

/**
 * Analyses up to `batchSize` logged changes in one transaction and returns how many it took (0: nothing
 * left). A crash rolls the batch back into the log: nothing is counted twice or lost.
 */
export async function analysePendingComments(db: DataSource, opts: { batchSize?: number } = {}): Promise<number> {
  const batchSize = opts.batchSize ?? 2000;
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [THEMES_LOCK]);
    await tx.query(
      `CREATE TEMP TABLE theme_batch ON COMMIT DROP AS
       WITH taken AS (
         DELETE FROM comment_analysis_log WHERE id IN (SELECT id FROM comment_analysis_log ORDER BY id LIMIT $1)
         RETURNING id, response_id, sign, survey_id, created_at, score, locale, comment)
       SELECT t.id AS log_id, t.response_id, t.sign, t.created_at, t.survey_id, date_trunc('week', touchpoint_org_day(t.created_at))::date::text AS week, t.score,
              touchpoint_score_group(s.kind, t.score) AS grp, t.locale, t.comment,
              touchpoint_fold(t.comment) AS folded
       FROM taken t JOIN surveys s ON s.id = t.survey_id`,
      [batchSize],
    );
    const [{ taken }] = await tx.query(`SELECT count(*)::int AS taken FROM theme_batch`);
    const rows: LogRow[] = await tx.query(`SELECT response_id, sign, survey_id, week, score, grp, locale, comment FROM theme_batch ORDER BY response_id`);
    const analyse = analyser();
    const perRow = rows.map((r) => analyse(r.comment, r.locale));
    const ids = await phraseIds(tx, perRow.flat());
    const d = new Deltas();
    rows.forEach((r, i) => {
      d.add(d.weekScores, `${r.survey_id}|${r.week}|${r.score}`, r.sign);
      for (const p of perRow[i]) {
        const id = ids.get(`${p.language}:${p.key}`);
        if (id === undefined) continue;
        d.add(d.counts, `${r.survey_id}|${r.week}|${r.grp}|${id}`, r.sign);
        d.add(d.scores, `${id}|${r.survey_id}|${r.week}|${r.score}`, r.sign);
        if (r.sign > 0) {
          const key = `${r.survey_id}|${r.grp}|${id}`;
          d.examples.set(key, [...(d.examples.get(key) ?? []), r.response_id].slice(-EXAMPLES_KEPT));
        }
      }
    });
    await applyDeltas(tx, d);
    await tx.query(
      `INSERT INTO topic_week_counts AS c (topic_id, survey_id, week, score, n)
       SELECT t.id, b.survey_id, b.week::date, b.score, sum(b.sign)::int
       FROM theme_batch b JOIN topics t ON t.counted AND b.folded ~ t.pattern
       GROUP BY 1, 2, 3, 4 HAVING sum(b.sign) <> 0 ORDER BY 1, 2, 3, 4
       ON CONFLICT (topic_id, survey_id, week, score) DO UPDATE SET n = c.n + EXCLUDED.n`,
    );
    await replaceTopicMatches(tx);
    return taken as number;
  });
}

/**
 * The (answer, topic) matches of the answers in the batch, replaced by their latest state: an answer's last
 * logged row is what it is now (+1: its comment, time and survey as they are; -1: no comment any more).
 */
async function replaceTopicMatches(tx: EntityManager): Promise<void> {
  await tx.query(`DELETE FROM topic_responses m USING (SELECT DISTINCT response_id FROM theme_batch) b WHERE m.response_id = b.response_id`);
  await tx.query(
    `INSERT INTO topic_responses (response_id, topic_id, created_at)
     SELECT l.response_id, t.id, l.created_at
     FROM (SELECT DISTINCT ON (response_id) response_id, sign, created_at, folded FROM theme_batch ORDER BY response_id, log_id DESC) l
     JOIN topics t ON t.counted AND l.folded ~ t.pattern
     WHERE l.sign > 0 AND EXISTS (SELECT 1 FROM responses r WHERE r.id = l.response_id)
     ORDER BY 1, 2
     ON CONFLICT DO NOTHING`,
  );
}

/** Drains the log (the job's work, and what tests wait for). */
export async function analyseAllPending(db: DataSource, opts: { batchSize?: number } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await analysePendingComments(db, opts);
    total += n;
    if (n === 0) return total;
  }
}

const COMMENTED = `comment IS NOT NULL AND btrim(comment) <> ''`;

export async function setCommentLogTrigger(db: DataSource, enabled: boolean): Promise<void> {
  for (const name of ['responses_comment_log_insert', 'responses_comment_log_update', 'responses_comment_log_delete']) {
    await db.query(`ALTER TABLE responses ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
  }
}

/**
 * Recounts every theme and topic from the responses: each distinct (text, locale) is analysed once, then
 * one aggregate per table. Answers wait meanwhile (the lock), so none falls between the count and the log.
 */
export async function rebuildCommentThemes(db: DataSource, opts: { log?: (line: string) => void; chunk?: number } = {}): Promise<{ comments: number; texts: number }> {
  const log = opts.log ?? (() => undefined);
  const chunk = opts.chunk ?? 5000;
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [THEMES_LOCK]);
    await tx.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    for (const name of ['responses_comment_log_insert', 'responses_comment_log_update', 'responses_comment_log_delete']) {
      await tx.query(`ALTER TABLE responses ENABLE TRIGGER ${name}`);
    }
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    await tx.query(`TRUNCATE comment_analysis_log, comment_theme_counts, comment_theme_journey, comment_theme_scores, comment_week_scores, comment_theme_examples, topic_week_counts, topic_responses`);
    await tx.query(`UPDATE topics SET counted = true WHERE NOT counted`);
    await tx.query(
      `CREATE TEMP TABLE theme_texts ON COMMIT DROP AS
       SELECT row_number() OVER ()::int AS i, comment, locale FROM (SELECT DISTINCT comment, locale FROM responses WHERE ${COMMENTED}) x`,
    );
    await tx.query(`ALTER TABLE theme_texts ADD PRIMARY KEY (i)`);
    const [{ texts }] = await tx.query(`SELECT count(*)::int AS texts FROM theme_texts`);
    await tx.query(`CREATE TEMP TABLE theme_text_phrases (i int, phrase_id int) ON COMMIT DROP`);
    const analyse = analyser();
    for (let from = 1; from <= texts; from += chunk) {
      const rows: Array<{ i: number; comment: string; locale: string }> = await tx.query(
        `SELECT i, comment, locale FROM theme_texts WHERE i >= $1 AND i < $2`, [from, from + chunk]);
      const perRow = rows.map((r) => analyse(r.comment, r.locale));
      const ids = await phraseIds(tx, perRow.flat());
      const pairs: Array<[number, number]> = [];
      rows.forEach((r, k) => {
        for (const p of perRow[k]) {
          const id = ids.get(`${p.language}:${p.key}`);
          if (id !== undefined) pairs.push([r.i, id]);
        }
      });
      await tx.query(`INSERT INTO theme_text_phrases SELECT * FROM unnest($1::int[], $2::int[])`, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
      log(`  texts ${Math.min(texts, from + chunk - 1)} / ${texts}`);
    }
    await tx.query(`CREATE INDEX ON theme_text_phrases (i)`);
    await tx.query(`ANALYZE theme_texts`);
    await tx.query(`ANALYZE theme_text_phrases`);
    await tx.query(
      `CREATE TEMP TABLE theme_grouped ON COMMIT DROP AS
       SELECT r.survey_id, date_trunc('week', touchpoint_org_day(r.created_at))::date AS week, r.score,
              touchpoint_score_group(s.kind, r.score) AS grp, t.i, count(*)::int AS n, max(r.id) AS last_id
       FROM responses r JOIN surveys s ON s.id = r.survey_id JOIN theme_texts t ON t.comment = r.comment AND t.locale = r.locale
       GROUP BY 1, 2, 3, 4, 5`,
    );
    await tx.query(`INSERT INTO comment_week_scores (survey_id, week, score, n) SELECT survey_id, week, score, sum(n) FROM theme_grouped GROUP BY 1, 2, 3`);
    await tx.query(
      `INSERT INTO comment_theme_counts (survey_id, week, grp, phrase_id, n)
       SELECT g.survey_id, g.week, g.grp, p.phrase_id, sum(g.n) FROM theme_grouped g JOIN theme_text_phrases p USING (i) GROUP BY 1, 2, 3, 4`,
    );
    await tx.query(`INSERT INTO comment_theme_journey (week, grp, phrase_id, n) SELECT week, grp, phrase_id, sum(n) FROM comment_theme_counts GROUP BY 1, 2, 3`);
    await tx.query(
      `INSERT INTO comment_theme_scores (phrase_id, survey_id, week, score, n)
       SELECT p.phrase_id, g.survey_id, g.week, g.score, sum(g.n) FROM theme_grouped g JOIN theme_text_phrases p USING (i) GROUP BY 1, 2, 3, 4`,
    );
    // Examples: the latest responses per (survey, group, phrase), from the latest answer of each text.
    await tx.query(
      `INSERT INTO comment_theme_examples (survey_id, grp, phrase_id, response_ids)
       SELECT survey_id, grp, phrase_id, (array_agg(last_id ORDER BY last_id DESC))[1:${EXAMPLES_KEPT}]
       FROM (SELECT DISTINCT ON (g.survey_id, g.grp, p.phrase_id, g.i) g.survey_id, g.grp, p.phrase_id, g.last_id
             FROM theme_grouped g JOIN theme_text_phrases p USING (i) ORDER BY g.survey_id, g.grp, p.phrase_id, g.i, g.last_id DESC) x
       GROUP BY 1, 2, 3`,
    );
    // Topics: each distinct text matched once, then multiplied out to the counts and the answers.
    await tx.query(
      `CREATE TEMP TABLE theme_text_topics ON COMMIT DROP AS
       SELECT t.i, tp.id AS topic_id FROM theme_texts t JOIN topics tp ON touchpoint_fold(t.comment) ~ tp.pattern`,
    );
    await tx.query(
      `INSERT INTO topic_week_counts (topic_id, survey_id, week, score, n)
       SELECT tt.topic_id, g.survey_id, g.week, g.score, sum(g.n)
       FROM theme_grouped g JOIN theme_text_topics tt USING (i)
       GROUP BY 1, 2, 3, 4`,
    );
    await tx.query(
      `INSERT INTO topic_responses (response_id, topic_id, created_at)
       SELECT r.id, tt.topic_id, r.created_at
       FROM theme_text_topics tt JOIN theme_texts t USING (i) JOIN responses r ON r.comment = t.comment AND r.locale = t.locale`,
    );
    const [{ comments }] = await tx.query(`SELECT coalesce(sum(n), 0)::int AS comments FROM theme_grouped`);
    return { comments, texts };
  });
}

/**
 * A new topic's first count, as a job: the responses as they are now, less the changes still waiting in
 * the log (the job adds those once the topic is counted). Under the lock, so the job cannot run between.
 */
export async function countTopic(db: DataSource, topicId: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [THEMES_LOCK]);
    const [topic] = await tx.query(`SELECT pattern, counted FROM topics WHERE id = $1 FOR UPDATE`, [topicId]);
    if (!topic || topic.counted) return;
    await tx.query(
      `INSERT INTO topic_week_counts (topic_id, survey_id, week, score, n)
       SELECT $1, x.survey_id, date_trunc('week', touchpoint_org_day(x.created_at))::date, x.score, sum(x.sign)::int
       FROM (SELECT survey_id, created_at, score, comment, 1 AS sign FROM responses WHERE ${COMMENTED}
             UNION ALL SELECT survey_id, created_at, score, comment, -sign FROM comment_analysis_log) x
       WHERE touchpoint_fold(x.comment) ~ $2 AND EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id)
       GROUP BY 2, 3, 4 HAVING sum(x.sign) <> 0`,
      [topicId, topic.pattern],
    );
    // The answers it matches as they are now; the job replaces those of answers changed since.
    await tx.query(
      `INSERT INTO topic_responses (response_id, topic_id, created_at)
       SELECT id, $1, created_at FROM responses WHERE ${COMMENTED} AND touchpoint_fold(comment) ~ $2
       ON CONFLICT DO NOTHING`,
      [topicId, topic.pattern],
    );
    await tx.query(`UPDATE topics SET counted = true WHERE id = $1`, [topicId]);
  });
}
