import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { ResponseChannel } from '../../responses/response.entity';
import type { MetricKind } from '../../metrics';

export interface Answer {
  id: string;
  surveyId: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  createdAt: Date;
  hidden: Record<string, string>;
  contactId: string | null;
  contactEmail: string | null;
  contactName: string | null;
  contactAttributes: Record<string, unknown> | null;
  followUpId: string | null;
  followUpStatus: string | null;
}

/** One answer with its contact and its follow-up, for the answer's own page. */
export async function getAnswer(db: DataSource, id: string): Promise<Answer | null> {
  const rows: Answer[] = await db.query(
    `SELECT r.id::text AS id, r.survey_id AS "surveyId", s.kind, r.score, r.comment, r.channel, r.locale, r.created_at AS "createdAt", r.hidden,
            c.id AS "contactId", c.email AS "contactEmail", c.name AS "contactName", c.attributes AS "contactAttributes",
            f.id::text AS "followUpId", f.status AS "followUpStatus"
     FROM responses r JOIN surveys s ON s.id = r.survey_id
     LEFT JOIN contacts c ON c.id = r.contact_id LEFT JOIN follow_ups f ON f.response_id = r.id
     WHERE r.id = $1`, [id]);
  return rows[0] ?? null;
}
