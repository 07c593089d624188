import { whereClauses, type ContactFilter, type Queryable } from './contactFilter';

/** How many contacts the filters select. */
export async function countContacts(db: Queryable, filter: ContactFilter): Promise<number> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  const rows: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
  return rows[0].n;
}
