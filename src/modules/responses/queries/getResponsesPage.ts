import type { DataSource } from 'typeorm';
import { encodeCursor, requireCursor } from '../../../web/params';
import { RESPONSE_COLUMNS, type ResponseRow } from './getResponseById';

/** Responses oldest first, a page at a time, with the cursor of the next page (null on the last). */
export async function getResponsesPage(db: DataSource, q: { surveyId?: string; since?: string; until?: string; cursor?: string; limit: number }): Promise<{ items: ResponseRow[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.surveyId) add('r.survey_id = ?', q.surveyId);
  if (q.since) add('r.created_at >= ?', q.since);
  if (q.until) add('r.created_at < ?', q.until);
  if (q.cursor) {
    const c = requireCursor(q.cursor, 'bigserial');
    params.push(c.at, c.id);
    where.push(`(r.created_at, r.id) > ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
  }
  params.push(q.limit + 1);
  const rows: Array<ResponseRow & { cursorAt: string }> = await db.query(
    `SELECT ${RESPONSE_COLUMNS}, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
     FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY r.created_at, r.id
     LIMIT $${params.length}`,
    params,
  );
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  const nextCursor = hasMore ? encodeCursor({ at: last.cursorAt, id: last.id }) : null;
  return { items: page.map(({ cursorAt: _cursorAt, ...row }) => row), nextCursor };
}
