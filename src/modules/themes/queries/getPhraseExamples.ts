import type { DataSource } from 'typeorm';

export interface PhraseExampleRow { phraseId: number; responseId: string; comment: string; score: number; createdAt: Date; surveyId: string }

/** Kept example ids read per phrase before distinct texts are picked: a few answers looked up, not every kept one. */
const LOOKUPS_PER_EXAMPLE = 4;

/**
 * The latest kept example responses of a few phrases (at most `perPhrase` distinct texts each), newest
 * first. Only the newest few kept ids of each phrase are looked up in the responses, in one query.
 */
export async function getPhraseExamples(db: DataSource, q: { phraseIds: number[]; surveyIds: string[]; groups: string[]; perPhrase: number }): Promise<PhraseExampleRow[]> {
  if (q.phraseIds.length === 0 || q.surveyIds.length === 0) return [];
  return db.query(
    `WITH kept AS (
       SELECT phrase_id, id FROM (
         SELECT e.phrase_id, ex.id, row_number() OVER (PARTITION BY e.phrase_id ORDER BY ex.id DESC) AS k
         FROM comment_theme_examples e CROSS JOIN LATERAL unnest(e.response_ids) AS ex(id)
         WHERE e.phrase_id = ANY($1::int[]) AND e.survey_id = ANY($2::uuid[]) AND e.grp = ANY($3::text[])) y
       WHERE y.k <= $4 * ${LOOKUPS_PER_EXAMPLE})
     SELECT x."phraseId", x."responseId", x.comment, x.score, x."createdAt", x."surveyId" FROM (
       SELECT kept.phrase_id AS "phraseId", r.id AS "responseId", r.comment, r.score, r.created_at AS "createdAt", r.survey_id AS "surveyId",
              row_number() OVER (PARTITION BY kept.phrase_id ORDER BY r.id DESC) AS k,
              row_number() OVER (PARTITION BY kept.phrase_id, r.comment ORDER BY r.id DESC) AS copy
       FROM kept JOIN responses r ON r.id = kept.id
       WHERE r.comment IS NOT NULL) x
     WHERE x.copy = 1 AND x.k <= $4 ORDER BY x."phraseId", x."responseId" DESC`,
    [q.phraseIds, q.surveyIds, q.groups, q.perPhrase],
  );
}
