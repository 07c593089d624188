import type { DataSource } from 'typeorm';
import type { ThemeGroup } from '../rank';

export interface ThemeCandidateRow { phraseId: number; language: 'vi' | 'en'; key: string; label: string; count: number; weight: number }

/**
 * The best few phrases of a class over whole org-weeks, weighed by c-TF-IDF in the database (the formula of
 * rank.ts: tf(t, c) / |c| · log(1 + A / f(t))), with their labels: one round trip, and a page gets
 * `limit` rows however large the vocabulary. `surveyIds: null` reads the journey-wide sums.
 */
export async function getThemeCandidates(db: DataSource, q: {
  surveyIds: string[] | null; fromWeek: string; toWeek: string; group: ThemeGroup; language?: 'vi' | 'en'; minCount: number; limit: number;
}): Promise<ThemeCandidateRow[]> {
  if (q.surveyIds?.length === 0) return [];
  const counts = q.surveyIds === null
    ? `SELECT phrase_id, grp, sum(n) AS n FROM comment_theme_journey WHERE week BETWEEN $1 AND $2 GROUP BY 1, 2 HAVING sum(n) > 0`
    : `SELECT phrase_id, grp, sum(n) AS n FROM comment_theme_counts WHERE survey_id = ANY($7::uuid[]) AND week BETWEEN $1 AND $2 GROUP BY 1, 2 HAVING sum(n) > 0`;
  const rows: Array<Omit<ThemeCandidateRow, 'count'> & { count: string }> = await db.query(
    `WITH c AS (${counts}),
     k AS (SELECT avg(n)::float8 AS average, sum(n) FILTER (WHERE $3 = 'all' OR grp = $3)::float8 AS size
           FROM (SELECT grp, sum(n) AS n FROM c GROUP BY grp) cls),
     p AS (SELECT phrase_id, sum(n)::float8 AS total, sum(n) FILTER (WHERE $3 = 'all' OR grp = $3) AS inclass FROM c GROUP BY 1)
     SELECT p.phrase_id AS "phraseId", w.language, w.key, w.label, p.inclass AS count,
            (p.inclass / k.size) * ln(1 + k.average / p.total) AS weight
     FROM p CROSS JOIN k JOIN comment_phrases w ON w.id = p.phrase_id
     WHERE p.inclass >= $4 AND k.size > 0 AND ($5::text IS NULL OR w.language = $5)
     ORDER BY weight DESC, p.inclass DESC, p.phrase_id
     LIMIT $6`,
    [q.fromWeek, q.toWeek, q.group, q.minCount, q.language ?? null, q.limit, ...(q.surveyIds === null ? [] : [q.surveyIds])],
  );
  return rows.map((r) => ({ ...r, count: Number(r.count), weight: Number(r.weight) }));
}
