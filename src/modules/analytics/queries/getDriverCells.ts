import type { EntityManager } from 'typeorm';

/** One cell of a touchpoint's score × outcome table: n contacts gave score x there and relationship NPS y after it. */
export interface DriverCell { touchpointId: number; kind: 'csat' | 'ces'; x: number; y: number; n: number }

/**
 * Pairs each contact's touchpoint answers (CSAT or CES on a touchpoint, given in [from, to], org days) with
 * the first relationship NPS (a survey on a stage or on nothing) the contact gave after it, within the
 * window; keeps the contact's latest paired answer per touchpoint and kind; stores those pairs in the
 * temporary table `driver_pairs` (dropped at commit) and returns them counted per (touchpoint, kind, x, y).
 *
 * One pass, no per-answer lookup: the contact's answers of both sorts, newest first, carry a running minimum
 * of "(time, score) of the NPS answers seen so far", i.e. the next NPS in time; the frame starts at the
 * partition's first row, so PostgreSQL keeps the aggregate running instead of recomputing it per row.
 */
export async function getDriverCells(tx: EntityManager, q: { from: string; to: string; timeZone: string; windowDays: number; stageId: number | null }): Promise<DriverCell[]> {
  await tx.query(`
    CREATE TEMP TABLE driver_pairs ON COMMIT DROP AS
    WITH bounds AS (
      SELECT ($1::date)::timestamp AT TIME ZONE $3 AS lo, ($2::date + 1)::timestamp AT TIME ZONE $3 AS hi
    ), rows AS (
      SELECT r.contact_id, r.id, r.created_at, r.score, s.kind, s.touchpoint_id, s.touchpoint_id IS NULL AS outcome
      FROM bounds, responses r JOIN surveys s ON s.id = r.survey_id
      LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
      WHERE r.contact_id IS NOT NULL AND r.created_at >= bounds.lo AND r.created_at < bounds.hi + $4 * interval '1 day'
        AND ((s.kind = 'nps' AND s.touchpoint_id IS NULL)
          OR (s.kind IN ('csat', 'ces') AND s.touchpoint_id IS NOT NULL AND r.created_at < bounds.hi AND ($5::int IS NULL OR t.stage_id = $5)))
    ), marked AS (
      SELECT *, min(CASE WHEN outcome THEN (floor(extract(epoch FROM created_at) * 1000)::bigint) * 100 + score END)
                  OVER (PARTITION BY contact_id ORDER BY created_at DESC, id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_nps
      FROM rows
    )
    SELECT DISTINCT ON (contact_id, touchpoint_id, kind)
           contact_id, touchpoint_id, kind, score AS x, (next_nps % 100)::int AS y, created_at
    FROM marked
    WHERE NOT outcome AND next_nps IS NOT NULL
      AND next_nps / 100 <= floor(extract(epoch FROM created_at) * 1000)::bigint + $4::bigint * 86400000
    ORDER BY contact_id, touchpoint_id, kind, created_at DESC, id DESC`,
  [q.from, q.to, q.timeZone, q.windowDays, q.stageId]);
  const rows: Array<{ touchpointId: number; kind: 'csat' | 'ces'; x: number; y: number; n: number }> = await tx.query(
    `SELECT touchpoint_id AS "touchpointId", kind, x, y, count(*)::int AS n FROM driver_pairs GROUP BY 1, 2, 3, 4`);
  return rows;
}
