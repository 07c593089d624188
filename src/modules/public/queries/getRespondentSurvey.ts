import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { MetricKind } from '../../metrics/scoring';
import type { SurveyStatus } from '../../surveys/survey.entity';
import type { SurveyWording } from '../../surveys';

/** What a respondent's page needs about a survey, in one round trip. */
export interface RespondentSurvey extends SurveyWording {
  id: string;
  kind: MetricKind;
  status: SurveyStatus;
  touchpointVi: string | null;
  touchpointEn: string | null;
  brand: string;
  defaultLocale: Locale;
}

/** The columns of a RespondentSurvey, shared with getRespondentInvitation. */
export const RESPONDENT_SURVEY_COLUMNS = `
  s.id, s.kind, s.status, s.question_vi AS "questionVi", s.question_en AS "questionEn", s.ask_comment AS "askComment",
         s.comment_prompt_vi AS "commentPromptVi", s.comment_prompt_en AS "commentPromptEn",
         s.thank_you_vi AS "thankYouVi", s.thank_you_en AS "thankYouEn",
         coalesce(t.name_vi, st.name_vi) AS "touchpointVi", coalesce(t.name_en, st.name_en) AS "touchpointEn",
         g.brand, g.default_locale AS "defaultLocale"`;

export const RESPONDENT_SURVEY_FROM = `
  FROM surveys s
  LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
  LEFT JOIN stages st ON st.id = s.stage_id
  CROSS JOIN settings g`;

export async function getRespondentSurvey(db: DataSource, surveyId: string): Promise<RespondentSurvey | null> {
  const rows: RespondentSurvey[] = await db.query(`SELECT ${RESPONDENT_SURVEY_COLUMNS} ${RESPONDENT_SURVEY_FROM} WHERE s.id = $1`, [surveyId]);
  return rows[0] ?? null;
}
