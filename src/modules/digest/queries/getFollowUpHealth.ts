import type { DataSource } from 'typeorm';
import type { DayRange } from '../../../web/params';

export interface FollowUpHealth {
  /** Open or in progress now. */
  active: number;
  /** Opened during the period (whatever their status now). */
  opened: number;
  /** When the oldest follow-up still open or in progress was opened; null when there is none. */
  oldestActiveAt: Date | null;
}

/** Three index reads on follow_ups: (status, created_at) for the active ones, (created_at) for the period. */
export async function getFollowUpHealth(db: DataSource, q: { period: DayRange; timeZone: string }): Promise<FollowUpHealth> {
  const [row]: Array<{ active: number; opened: number; oldest: Date | null }> = await db.query(
    `SELECT (SELECT count(*)::int FROM follow_ups WHERE status IN ('open', 'in_progress')) AS active,
            (SELECT count(*)::int FROM follow_ups
              WHERE created_at >= $1::timestamp AT TIME ZONE $3 AND created_at < ($2::date + 1)::timestamp AT TIME ZONE $3) AS opened,
            (SELECT min(created_at) FROM follow_ups WHERE status IN ('open', 'in_progress')) AS oldest`,
    [q.period.from, q.period.to, q.timeZone],
  );
  return { active: row.active, opened: row.opened, oldestActiveAt: row.oldest };
}
