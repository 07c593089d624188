import type { DataSource } from 'typeorm';
import type { TouchpointChannel } from '../../journeys/touchpoint.entity';
import type { CatalogTouchpoint } from './getJourneyCatalog';

export type TouchpointRow = { id: number; key: string; stageId: number; vi: string; en: string; channel: TouchpointChannel; position: number };
export const toTouchpoint = ({ vi, en, ...t }: TouchpointRow): CatalogTouchpoint => ({ ...t, names: { vi, en } });
export const TOUCHPOINT_COLUMNS = `t.id, t.key, t.stage_id AS "stageId", t.name_vi AS vi, t.name_en AS en, t.channel, t.position`;

/** The touchpoints with these ids, or in these stages, in journey order. */
export async function getTouchpointsById(db: DataSource, ids: number[], stageIds: number[] = []): Promise<CatalogTouchpoint[]> {
  if (ids.length === 0 && stageIds.length === 0) return [];
  const rows: TouchpointRow[] = await db.query(
    `SELECT ${TOUCHPOINT_COLUMNS} FROM touchpoints t WHERE t.id = ANY($1::int[]) OR t.stage_id = ANY($2::int[]) ORDER BY t.position, t.id`, [ids, stageIds]);
  return rows.map(toTouchpoint);
}
