import type { DataSource } from 'typeorm';

export interface TopicCountRow { topicId: number; surveyId: string; current: boolean; score: number; n: number }

/** Comments per (topic, survey, score) in the current and the previous period, for counted topics. */
export async function getTopicCounts(db: DataSource, q: { surveyIds: string[]; previousFrom: string; currentFrom: string; currentTo: string }): Promise<TopicCountRow[]> {
  if (q.surveyIds.length === 0) return [];
  const rows: Array<{ topicId: number; surveyId: string; current: boolean; score: number; n: string }> = await db.query(
    `SELECT topic_id AS "topicId", survey_id AS "surveyId", week >= $3::date AS current, score, sum(n) AS n FROM topic_week_counts
     WHERE survey_id = ANY($1::uuid[]) AND week BETWEEN $2 AND $4 GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0`,
    [q.surveyIds, q.previousFrom, q.currentFrom, q.currentTo],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}
