import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { HiddenFields, ResponseChannel } from '../response.entity';

/** A response as the API returns it, with its contact's email. */
export interface ResponseRow {
  id: string;
  surveyId: string;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  invitationId: string | null;
  contactId: string | null;
  contactEmail: string | null;
  hidden: HiddenFields;
  createdAt: Date;
  updatedAt: Date;
}

export const RESPONSE_COLUMNS = `r.id::text AS id, r.survey_id AS "surveyId", r.score, r.comment, r.channel, r.locale,
  r.invitation_id AS "invitationId", r.contact_id AS "contactId", c.email AS "contactEmail", r.hidden,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

export async function getResponseById(db: DataSource, id: string): Promise<ResponseRow | null> {
  const rows: ResponseRow[] = await db.query(
    `SELECT ${RESPONSE_COLUMNS} FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id WHERE r.id = $1`, [id]);
  return rows[0] ?? null;
}
