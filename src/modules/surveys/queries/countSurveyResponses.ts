import type { DataSource } from 'typeorm';
import { DELTA_TABLE } from '../../metrics';

/** Responses so far, read from the daily rollup (its key starts with the survey) plus the deltas not folded yet. */
export async function countSurveyResponses(db: DataSource, surveyId: string): Promise<number> {
  const [{ n }]: Array<{ n: string }> = await db.query(
    `SELECT (SELECT coalesce(sum(count), 0) FROM response_daily WHERE survey_id = $1)
          + (SELECT coalesce(sum(n), 0) FROM ${DELTA_TABLE} WHERE survey_id = $1) AS n`, [surveyId]);
  return Number(n);
}
