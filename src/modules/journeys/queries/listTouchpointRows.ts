import type { DataSource } from 'typeorm';
import type { TouchpointRow } from './getTouchpointRows';

export interface TouchpointListQuery {
  /** Part of a name (either language) or of the key; empty for all. */
  search: string;
  /** Only this stage (null: every stage). */
  stageId: number | null;
  /** Per stage: skip this many matching touchpoints, then list at most `limit`. */
  offset: number;
  limit: number;
}

export interface TouchpointList {
  rows: TouchpointRow[];
  /** Matching touchpoints per stage id (stages without a match are absent). */
  matches: Map<number, number>;
}

/**
 * One page of touchpoints per stage, in journey order, with the number matching in each stage: the
 * management list of a chain's thousand stores reads a bounded number of rows whatever their number.
 */
export async function listTouchpointRows(db: DataSource, q: TouchpointListQuery): Promise<TouchpointList> {
  const rows: Array<TouchpointRow & { matches: number }> = await db.query(
    `SELECT x.id, x.key, x."stageId", x."nameVi", x."nameEn", x.channel, x."ownerUserId", u.name AS "ownerName", u.email AS "ownerEmail",
            (SELECT count(*)::int FROM surveys v WHERE v.touchpoint_id = x.id) AS "surveyCount", x.matches
     FROM (
       SELECT t.id, t.key, t.stage_id AS "stageId", t.name_vi AS "nameVi", t.name_en AS "nameEn", t.channel, t.owner_user_id AS "ownerUserId",
              t.position, row_number() OVER (PARTITION BY t.stage_id ORDER BY t.position, t.id) AS rn,
              count(*) OVER (PARTITION BY t.stage_id)::int AS matches
       FROM touchpoints t
       WHERE ($1 = '' OR strpos(lower(t.name_vi), lower($1)) > 0 OR strpos(lower(t.name_en), lower($1)) > 0 OR strpos(t.key, lower($1)) > 0)
         AND ($2::int IS NULL OR t.stage_id = $2)
     ) x LEFT JOIN users u ON u.id = x."ownerUserId"
     WHERE x.rn > $3 AND x.rn <= $3 + $4
     ORDER BY x.position, x.id`,
    [q.search, q.stageId, q.offset, q.limit],
  );
  const matches = new Map<number, number>();
  for (const r of rows) matches.set(r.stageId, r.matches);
  return { rows: rows.map(({ matches: _m, ...r }) => r), matches };
}
