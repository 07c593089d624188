import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import { RESPONDENT_SURVEY_COLUMNS, RESPONDENT_SURVEY_FROM, type RespondentSurvey } from './getRespondentSurvey';

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
  const rows: Array<RespondentSurvey & Omit<RespondentInvitation, 'survey'>> = await db.query(
    `SELECT i.id AS "invitationId", i.contact_id AS "contactId", c.locale AS "contactLocale", i.opened_at AS "openedAt",
            r.score AS "previousScore", r.comment AS "previousComment", ${RESPONDENT_SURVEY_COLUMNS}
     ${RESPONDENT_SURVEY_FROM}
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
