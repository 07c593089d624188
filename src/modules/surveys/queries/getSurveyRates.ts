import type { DataSource } from 'typeorm';
import { responseRate, type ResponseRate } from '../../metrics';
import type { DayRange } from '../../../web/params';

/** SPEC §3's response rate of every survey over invitations sent in the period (org days), in one read. */
export async function getSurveyRates(db: DataSource, period: DayRange, timeZone: string): Promise<Map<string, ResponseRate>> {
  const rows: Array<{ surveyId: string; sent: number; responded: number }> = await db.query(
    `SELECT survey_id AS "surveyId", count(*)::int AS sent, count(*) FILTER (WHERE responded_at IS NOT NULL)::int AS responded
     FROM invitations
     WHERE sent_at IS NOT NULL AND sent_at >= $1::timestamp AT TIME ZONE $3 AND sent_at < ($2::date + 1)::timestamp AT TIME ZONE $3
     GROUP BY survey_id`,
    [period.from, period.to, timeZone]);
  return new Map(rows.map((r) => [r.surveyId, responseRate(r.sent, r.responded)]));
}
