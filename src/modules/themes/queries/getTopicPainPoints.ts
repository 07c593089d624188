import type { DataSource } from 'typeorm';

export interface TopicPainPointRow { touchpointId: number; topicId: number; nameVi: string; nameEn: string; n: number; detractors: number }

/**
 * For each of the given touchpoints, the topic most mentioned by its detractors over whole org-weeks, and
 * the detractor comments analysed there: one read of the per (topic, survey, week, score) counts and of
 * the per (survey, week, score) totals, whatever the number of touchpoints or answers.
 */
export async function getTopicPainPoints(db: DataSource, q: { touchpointIds: number[]; fromWeek: string; toWeek: string; minCount: number }): Promise<TopicPainPointRow[]> {
  if (q.touchpointIds.length === 0) return [];
  const rows: Array<Omit<TopicPainPointRow, 'n' | 'detractors'> & { n: string; detractors: string }> = await db.query(
    `WITH s AS (SELECT id, kind, touchpoint_id FROM surveys WHERE touchpoint_id = ANY($1::int[])),
     topic AS (
       SELECT s.touchpoint_id, c.topic_id, sum(c.n) AS n
       FROM topic_week_counts c JOIN s ON s.id = c.survey_id
       WHERE c.week BETWEEN $2 AND $3 AND touchpoint_score_group(s.kind, c.score) = 'detractor'
       GROUP BY 1, 2 HAVING sum(c.n) >= $4),
     total AS (
       SELECT s.touchpoint_id, sum(w.n) AS n
       FROM comment_week_scores w JOIN s ON s.id = w.survey_id
       WHERE w.week BETWEEN $2 AND $3 AND touchpoint_score_group(s.kind, w.score) = 'detractor'
       GROUP BY 1)
     SELECT DISTINCT ON (topic.touchpoint_id) topic.touchpoint_id AS "touchpointId", topic.topic_id AS "topicId",
            t.name_vi AS "nameVi", t.name_en AS "nameEn", topic.n, coalesce(total.n, 0) AS detractors
     FROM topic JOIN topics t ON t.id = topic.topic_id LEFT JOIN total USING (touchpoint_id)
     ORDER BY topic.touchpoint_id, topic.n DESC, topic.topic_id`,
    [q.touchpointIds, q.fromWeek, q.toWeek, q.minCount],
  );
  return rows.map((r) => ({ ...r, n: Number(r.n), detractors: Number(r.detractors) }));
}
