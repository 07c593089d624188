import type { DataSource } from 'typeorm';
import { TOUCHPOINT_COLUMNS, toTouchpoint, type ShownTouchpoint, type TouchpointRow } from './getTouchpointsById';

/**
 * Every touchpoint of a stage whose name (either language) or key contains `search` (case- and
 * accent-sensitive substring; all when empty): the stage page ranks them by score, so it needs them all.
 */
export async function searchStageTouchpoints(db: DataSource, stageId: number, search: string): Promise<ShownTouchpoint[]> {
  const rows: TouchpointRow[] = await db.query(
    `SELECT ${TOUCHPOINT_COLUMNS} FROM touchpoints t
     WHERE t.stage_id = $1 AND ($2 = '' OR strpos(lower(t.name_vi), lower($2)) > 0 OR strpos(lower(t.name_en), lower($2)) > 0 OR strpos(t.key, lower($2)) > 0)
     ORDER BY t.position, t.id`,
    [stageId, search],
  );
  return rows.map(toTouchpoint);
}
