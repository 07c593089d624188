import type { DataSource } from 'typeorm';
import { HttpError } from '../../web/errors';
import type { HiddenFields, ResponseChannel } from './response.entity';
import type { Locale } from '../../i18n';

export interface ResponseRow {
  id: string;
  surveyId: string;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  invitationId: string | null;
  contactId: string | null;
  contactEmail: string | null;
  hidden: HiddenFields;
  createdAt: Date;
  updatedAt: Date;
}

const MAX_BIGINT = 9223372036854775807n;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Keyset cursor over (created_at, id): opaque to clients, stable under concurrent inserts. It carries
 * created_at to the microsecond, as PostgreSQL stores it: a millisecond cursor would sort before its own
 * row and repeat it on the next page.
 */
export function encodeCursor(row: { cursorAt: string; id: string }): string {
  return Buffer.from(`${row.cursorAt}|${row.id}`).toString('base64url');
}

/** A real UTC instant written as encodeCursor writes it; a rolled-over date (30 February) would not round-trip. */
function isCursorTime(text: string): boolean {
  if (!CURSOR_TIME.test(text) || text < '1970') return false;
  const millis = `${text.slice(0, 23)}Z`;
  const parsed = new Date(millis);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === millis;
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const valid = rest.length === 0 && isCursorTime(createdAt ?? '') && /^[1-9]\d{0,18}$/.test(id ?? '') && BigInt(id) <= MAX_BIGINT;
  if (!valid) {
    throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid; use nextCursor from a previous page', [{ path: 'cursor', message: 'not a cursor' }]);
  }
  return { createdAt, id };
}

const RESPONSE_COLUMNS = `r.id::text AS id, r.survey_id AS "surveyId", r.score, r.comment, r.channel, r.locale,
  r.invitation_id AS "invitationId", r.contact_id AS "contactId", c.email AS "contactEmail", r.hidden,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

export async function getResponseById(db: DataSource, id: string): Promise<ResponseRow | null> {
  const rows: ResponseRow[] = await db.query(
    `SELECT ${RESPONSE_COLUMNS} FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id WHERE r.id = $1`, [id]);
  return rows[0] ?? null;
}

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
    const c = decodeCursor(q.cursor);
    params.push(c.createdAt, c.id);
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
  const nextCursor = hasMore ? encodeCursor(page[page.length - 1]) : null;
  return { items: page.map(({ cursorAt: _cursorAt, ...row }) => row), nextCursor };
}
