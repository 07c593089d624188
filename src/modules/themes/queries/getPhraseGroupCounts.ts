import type { DataSource } from 'typeorm';
import type { ScoreGroup } from '../../metrics/scoring';

export interface PhraseGroupRow { phraseId: number; grp: ScoreGroup; n: number }

/**
 * Mentions per (phrase, score group) of the given surveys over whole org-weeks: the input of the ranking.
 * Reads the rows of the period's weeks only; their number grows with the vocabulary, not the responses.
 */
/** `surveyIds: null`: every survey, read from the journey-wide sums (as few rows as one touchpoint). */
export async function getPhraseGroupCounts(db: DataSource, q: { surveyIds: string[] | null; fromWeek: string; toWeek: string }): Promise<PhraseGroupRow[]> {
  if (q.surveyIds?.length === 0) return [];
  const rows: Array<{ phraseId: number; grp: ScoreGroup; n: string }> = q.surveyIds === null
    ? await db.query(
      `SELECT phrase_id AS "phraseId", grp, sum(n) AS n FROM comment_theme_journey
       WHERE week BETWEEN $1 AND $2 GROUP BY 1, 2 HAVING sum(n) > 0`,
      [q.fromWeek, q.toWeek],
    )
    : await db.query(
      `SELECT phrase_id AS "phraseId", grp, sum(n) AS n FROM comment_theme_counts
       WHERE survey_id = ANY($1::uuid[]) AND week BETWEEN $2 AND $3
       GROUP BY 1, 2 HAVING sum(n) > 0`,
      [q.surveyIds, q.fromWeek, q.toWeek],
    );
  return rows.map((r) => ({ phraseId: r.phraseId, grp: r.grp, n: Number(r.n) }));
}
