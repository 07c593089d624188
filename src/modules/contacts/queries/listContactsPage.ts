import type { Cursor } from '../../../web/params';
import { whereClauses, type ContactFilter, type ContactListItem, type Queryable } from './contactFilter';

/** Newest first, `limit` at a time; `nextCursor` is null on the last page. */
export async function listContactsPage(db: Queryable, filter: ContactFilter, cursor: Cursor | null, limit: number):
Promise<{ items: ContactListItem[]; nextCursor: Cursor | null }> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  if (cursor) {
    params.push(cursor.at, cursor.id);
    where.push(`(c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows: Array<ContactListItem & { cursorAt: string }> = await db.query(
    `SELECT c.id, c.email, c.name, c.locale, c.attributes, c.unsubscribed_at AS "unsubscribedAt", c.created_at AS "createdAt",
       to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
     FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.created_at DESC, c.id DESC LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursorAt: _cursorAt, ...item }) => item),
    nextCursor: more && last ? { at: last.cursorAt, id: last.id } : null,
  };
}
