import type { DataSource } from 'typeorm';
import { SURVEY_SELECT, type SurveyRow } from './getSurvey';

/** Every survey: the API lists them in creation order, the dashboard newest first (the one just created on top). */
export async function listSurveys(db: DataSource, order: 'oldest first' | 'newest first'): Promise<SurveyRow[]> {
  const direction = order === 'newest first' ? 'DESC' : 'ASC';
  return db.query(`${SURVEY_SELECT} ORDER BY s.created_at ${direction}, s.id`);
}
