import type { DataSource } from 'typeorm';

export interface CommentTotalRow { surveyId: string; current: boolean; score: number; n: number }

/** Analysed comments per (survey, score) in the current and previous period: the denominators. */
export async function getCommentTotals(db: DataSource, q: { surveyIds: string[]; previousFrom: string; currentFrom: string; currentTo: string }): Promise<CommentTotalRow[]> {
  if (q.surveyIds.length === 0) return [];
  const rows: Array<{ surveyId: string; current: boolean; score: number; n: string }> = await db.query(
    `SELECT survey_id AS "surveyId", week >= $3::date AS current, score, sum(n) AS n FROM comment_week_scores
     WHERE survey_id = ANY($1::uuid[]) AND week BETWEEN $2 AND $4 GROUP BY 1, 2, 3 HAVING sum(n) > 0`,
    [q.surveyIds, q.previousFrom, q.currentFrom, q.currentTo],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
