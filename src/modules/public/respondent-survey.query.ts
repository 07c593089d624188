import type { DataSource } from 'typeorm';
import type { MetricKind } from '../metrics/scoring';
import type { SurveyStatus, SurveyWording } from '../surveys';
import type { Locale } from '../../i18n';

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

const SURVEY_COLUMNS = `
  s.id, s.kind, s.status, s.question_vi AS "questionVi", s.question_en AS "questionEn", s.ask_comment AS "askComment",
         s.comment_prompt_vi AS "commentPromptVi", s.comment_prompt_en AS "commentPromptEn",
         s.thank_you_vi AS "thankYouVi", s.thank_you_en AS "thankYouEn",
         coalesce(t.name_vi, st.name_vi) AS "touchpointVi", coalesce(t.name_en, st.name_en) AS "touchpointEn",
         g.brand, g.default_locale AS "defaultLocale"`;

const SURVEY_FROM = `
  FROM surveys s
  LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
  LEFT JOIN stages st ON st.id = s.stage_id
  CROSS JOIN settings g`;

export async function getRespondentSurvey(db: DataSource, surveyId: string): Promise<RespondentSurvey | null> {
  const rows: RespondentSurvey[] = await db.query(`SELECT ${SURVEY_COLUMNS} ${SURVEY_FROM} WHERE s.id = $1`, [surveyId]);
  return rows[0] ?? null;
}

export interface RespondentInvitation {
  invitationId: string;
  contactId: string | null;
  contactLocale: Locale | null;
  openedAt: Date | null;
  previousScore: number | null;
  previousComment: string | null;
  survey: RespondentSurvey;
}

/** The invitation behind a token, its contact's language and any earlier answer. */
export async function getRespondentInvitation(db: DataSource, token: string): Promise<RespondentInvitation | null> {
  const rows: Array<RespondentSurvey & { invitationId: string; contactId: string | null; contactLocale: Locale | null; openedAt: Date | null; previousScore: number | null; previousComment: string | null }> = await db.query(
    `SELECT i.id AS "invitationId", i.contact_id AS "contactId", c.locale AS "contactLocale", i.opened_at AS "openedAt",
            r.score AS "previousScore", r.comment AS "previousComment", ${SURVEY_COLUMNS}
     ${SURVEY_FROM}
     JOIN invitations i ON i.survey_id = s.id
     LEFT JOIN contacts c ON c.id = i.contact_id
     LEFT JOIN responses r ON r.invitation_id = i.id
     WHERE i.token = $1`,
    [token],
  );
  const row = rows[0];
  if (!row) return null;
  const { invitationId, contactId, contactLocale, openedAt, previousScore, previousComment, ...survey } = row;
  return { invitationId, contactId, contactLocale, openedAt, previousScore, previousComment, survey };
}
