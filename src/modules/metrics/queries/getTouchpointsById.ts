import type { DataSource } from 'typeorm';
import type { TouchpointChannel } from '../../journeys/touchpoint.entity';
import type { MetricKind } from '../scoring';
import type { CatalogTouchpoint } from './getJourneyCatalog';

/** A touchpoint a page shows, with the kinds of its surveys (a cell shows a chip per kind, "–" when nobody answered). */
export type ShownTouchpoint = CatalogTouchpoint & { kinds: MetricKind[] };

export type TouchpointRow = { id: number; key: string; stageId: number; vi: string; en: string; channel: TouchpointChannel; position: number; kinds: MetricKind[] };
export const toTouchpoint = ({ vi, en, ...t }: TouchpointRow): ShownTouchpoint => ({ ...t, names: { vi, en } });
export const TOUCHPOINT_COLUMNS = `t.id, t.key, t.stage_id AS "stageId", t.name_vi AS vi, t.name_en AS en, t.channel, t.position,
  ARRAY(SELECT DISTINCT s.kind FROM surveys s WHERE s.touchpoint_id = t.id ORDER BY 1) AS kinds`;

/** The touchpoints with these ids, or in these stages, in journey order. */
export async function getTouchpointsById(db: DataSource, ids: number[], stageIds: number[] = []): Promise<ShownTouchpoint[]> {
  if (ids.length === 0 && stageIds.length === 0) return [];
  const rows: TouchpointRow[] = await db.query(
    `SELECT ${TOUCHPOINT_COLUMNS} FROM touchpoints t WHERE t.id = ANY($1::int[]) OR t.stage_id = ANY($2::int[]) ORDER BY t.position, t.id`, [ids, stageIds]);
  return rows.map(toTouchpoint);
}
