import { whereClauses, type ContactFilter, type Queryable } from './contactFilter';

/** Every attribute key among the filtered contacts, for the export's columns. */
export async function listAttributeKeys(db: Queryable, filter: ContactFilter): Promise<string[]> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  const rows: Array<{ key: string }> = await db.query(
    `SELECT DISTINCT k AS key FROM contacts c CROSS JOIN LATERAL jsonb_object_keys(c.attributes) k
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY 1`, params);
  return rows.map((r) => r.key);
}
