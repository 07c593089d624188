import type { DataSource } from 'typeorm';

/** Responses so far, read from the daily rollup (its key starts with the survey, so this never scans responses). */
export async function countSurveyResponses(db: DataSource, surveyId: string): Promise<number> {
  const [{ n }]: Array<{ n: number }> = await db.query(
    `SELECT coalesce(sum(count), 0)::int AS n FROM response_daily WHERE survey_id = $1`, [surveyId]);
  return n;
}
