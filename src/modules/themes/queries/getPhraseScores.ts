import type { DataSource } from 'typeorm';

export interface PhraseScoreRow { phraseId: number; surveyId: string; current: boolean; score: number; n: number }

/**
 * Per-score mentions of a few phrases in the current and the previous period (index range on the phrase):
 * the impact and "emerging" of the themes a page shows.
 */
export async function getPhraseScores(db: DataSource, q: { phraseIds: number[]; surveyIds: string[]; previousFrom: string; currentFrom: string; currentTo: string }): Promise<PhraseScoreRow[]> {
  if (q.phraseIds.length === 0 || q.surveyIds.length === 0) return [];
  const rows: Array<{ phraseId: number; surveyId: string; current: boolean; score: number; n: string }> = await db.query(
    `SELECT phrase_id AS "phraseId", survey_id AS "surveyId", week >= $4::date AS current, score, sum(n) AS n
     FROM comment_theme_scores
     WHERE phrase_id = ANY($1::int[]) AND survey_id = ANY($2::uuid[]) AND week BETWEEN $3 AND $5
     GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0`,
    [q.phraseIds, q.surveyIds, q.previousFrom, q.currentFrom, q.currentTo],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
