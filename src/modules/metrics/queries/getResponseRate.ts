import type { DataSource } from 'typeorm';
import type { AttributeFilter } from '../filters';
import type { DayRange } from '../../../web/params';

/** SPEC §3's response rate, the one definition used on every page. */
export interface ResponseRate {
  /** Invitations delivered to the mail server (or the mailbox). */
  sent: number;
  /** Of those, the ones with an answer. */
  responded: number;
  /** responded / sent in percent (0–100); null before anything was sent. */
  rate: number | null;
}

export function responseRate(sent: number, responded: number): ResponseRate {
  return { sent, responded, rate: sent === 0 ? null : (100 * responded) / sent };
}

/**
 * SPEC §3: invitations with a response / invitations sent, over the invitations sent in the period
 * (sent_at not null, org days). An index range scan per survey on (survey_id, sent_at).
 */
export async function getResponseRate(db: DataSource, q: { surveyIds: string[]; period: DayRange; timeZone: string; attribute?: AttributeFilter }): Promise<ResponseRate> {
  if (q.surveyIds.length === 0) return responseRate(0, 0);
  const rows: Array<{ sent: string; responded: string }> = await db.query(
    `SELECT count(*) AS sent, count(*) FILTER (WHERE i.responded_at IS NOT NULL) AS responded
     FROM invitations i ${q.attribute ? 'JOIN contacts c ON c.id = i.contact_id AND c.attributes @> jsonb_build_object($5::text, $6::text)' : ''}
     WHERE i.survey_id = ANY($1::uuid[]) AND i.sent_at IS NOT NULL
       AND i.sent_at >= $2::timestamp AT TIME ZONE $4 AND i.sent_at < ($3::date + 1)::timestamp AT TIME ZONE $4`,
    [q.surveyIds, q.period.from, q.period.to, q.timeZone, ...(q.attribute ? [q.attribute.key, q.attribute.value] : [])],
  );
  return responseRate(Number(rows[0].sent), Number(rows[0].responded));
}
