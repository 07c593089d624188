import type { DataSource, EntityManager } from 'typeorm';
import type { DimensionSource } from '../segment-rollup';

export interface SegmentDimension {
  source: DimensionSource;
  key: string;
  /** `attribute:persona`, `hidden:store`: its id in the rollups and the API's `by`. */
  id: string;
  position: number;
  /** Counted by the segment folder; until then reads count raw answers. */
  built: boolean;
}

/** The chosen dimensions, contact attributes first, each in the order the admin gave. */
export async function getSegmentDimensions(db: Pick<DataSource | EntityManager, 'query'>): Promise<SegmentDimension[]> {
  const rows: Array<{ source: DimensionSource; key: string; position: number; built: boolean }> = await db.query(
    `SELECT source, key, position, built_at IS NOT NULL AS built FROM segment_dimensions ORDER BY source, position, key`);
  return rows.map((r) => ({ ...r, id: `${r.source}:${r.key}` }));
}
