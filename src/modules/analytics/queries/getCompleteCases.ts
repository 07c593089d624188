import type { EntityManager } from 'typeorm';

export interface DriverItemRef { touchpointId: number; kind: 'csat' | 'ces' }

/** How many contacts in `driver_pairs` (see getDriverCells) answered every one of the items. */
export async function countCompleteCases(tx: EntityManager, items: DriverItemRef[]): Promise<number> {
  const [{ n }]: Array<{ n: number }> = await tx.query(
    `SELECT count(*)::int AS n FROM (
       SELECT contact_id FROM driver_pairs p JOIN unnest($1::int[], $2::text[]) AS i(tp, kind) ON i.tp = p.touchpoint_id AND i.kind = p.kind
       GROUP BY contact_id HAVING count(*) = $3) c`,
    [items.map((i) => i.touchpointId), items.map((i) => i.kind), items.length]);
  return n;
}

/**
 * The contacts who answered every item: their scores in the items' order, and as outcome the relationship
 * NPS paired with the latest of those answers. At most `limit` contacts, a fixed pseudo-random sample
 * (by a hash of the id), so the weights' cost has a ceiling however many contacts there are.
 */
export async function getCompleteCases(tx: EntityManager, items: DriverItemRef[], limit: number): Promise<Array<{ xs: number[]; y: number }>> {
  const rows: Array<{ xs: number[]; y: number }> = await tx.query(
    `SELECT array_agg(p.x ORDER BY i.ord) AS xs, (array_agg(p.y ORDER BY p.created_at DESC))[1] AS y
     FROM driver_pairs p JOIN unnest($1::int[], $2::text[]) WITH ORDINALITY AS i(tp, kind, ord) ON i.tp = p.touchpoint_id AND i.kind = p.kind
     GROUP BY p.contact_id HAVING count(*) = $3
     ORDER BY md5(p.contact_id::text) LIMIT $4`,
    [items.map((i) => i.touchpointId), items.map((i) => i.kind), items.length, limit]);
  return rows;
}
