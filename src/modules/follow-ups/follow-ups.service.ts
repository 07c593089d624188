import type { DataSource } from 'typeorm';
import type { Locale } from '../../i18n';
import { encodeCursor, requireCursor } from '../../web/params';
import type { ResponseChannel } from '../responses/response.entity';
import type { MetricKind } from '../metrics/scoring';
import type { FollowUpStatus } from './follow-up.entity';

export const FOLLOW_UP_STATUSES: FollowUpStatus[] = ['open', 'in_progress', 'closed'];
/** What the queue shows: `active` (open or in progress, the default), one status, or everything. */
export const STATUS_FILTERS = ['active', 'open', 'in_progress', 'closed', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
export const ASSIGNEE_FILTERS = ['any', 'me', 'none'] as const;
export type AssigneeFilter = (typeof ASSIGNEE_FILTERS)[number];

export interface FollowUpItem {
  id: string;
  status: FollowUpStatus;
  notes: string;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  assigneeId: string | null;
  assigneeName: string | null;
  assigneeEmail: string | null;
  responseId: string;
  surveyId: string;
  surveyTitle: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  answeredAt: Date;
  contactEmail: string | null;
  contactName: string | null;
  touchpointKey: string | null;
  touchpointVi: string | null;
  touchpointEn: string | null;
}

const COLUMNS = `f.id::text AS id, f.status, f.notes, f.created_at AS "createdAt", f.updated_at AS "updatedAt", f.closed_at AS "closedAt",
  f.assignee_user_id AS "assigneeId", u.name AS "assigneeName", u.email AS "assigneeEmail",
  r.id::text AS "responseId", r.survey_id AS "surveyId", s.title AS "surveyTitle", s.kind, r.score, r.comment, r.channel, r.locale,
  r.created_at AS "answeredAt", c.email AS "contactEmail", c.name AS "contactName",
  t.key AS "touchpointKey", t.name_vi AS "touchpointVi", t.name_en AS "touchpointEn"`;
const FROM = `follow_ups f JOIN responses r ON r.id = f.response_id JOIN surveys s ON s.id = r.survey_id
  LEFT JOIN touchpoints t ON t.id = s.touchpoint_id LEFT JOIN contacts c ON c.id = r.contact_id LEFT JOIN users u ON u.id = f.assignee_user_id`;

/** The detractor queue, newest first, by keyset on (created_at, id): every page is an index range scan. */
export async function listFollowUps(db: DataSource, q: { status: StatusFilter; assignee: AssigneeFilter; userId: string; cursor?: string; limit: number }): Promise<{ items: FollowUpItem[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.status === 'active') where.push(`f.status IN ('open', 'in_progress')`);
  else if (q.status !== 'all') where.push(`f.status = ${p(q.status)}`);
  if (q.assignee === 'me') where.push(`f.assignee_user_id = ${p(q.userId)}::uuid`);
  if (q.assignee === 'none') where.push(`f.assignee_user_id IS NULL`);
  if (q.cursor) {
    const c = requireCursor(q.cursor, 'bigserial');
    where.push(`(f.created_at, f.id) < (${p(c.at)}::timestamptz, ${p(c.id)}::bigint)`);
  }
  const rows: Array<FollowUpItem & { cursorAt: string }> = await db.query(
    `SELECT ${COLUMNS}, to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
     FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY f.created_at DESC, f.id DESC LIMIT ${p(q.limit + 1)}`,
    params,
  );
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  return { items: page.map(({ cursorAt: _c, ...item }) => item), nextCursor: hasMore ? encodeCursor({ at: page[page.length - 1].cursorAt, id: page[page.length - 1].id }) : null };
}

/** Open and in-progress counts for the queue's header. */
export async function countFollowUps(db: DataSource): Promise<Record<FollowUpStatus, number>> {
  const rows: Array<{ status: FollowUpStatus; n: number }> = await db.query(
    `SELECT status, count(*)::int AS n FROM follow_ups WHERE status IN ('open', 'in_progress') GROUP BY status`);
  const out: Record<FollowUpStatus, number> = { open: 0, in_progress: 0, closed: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

export async function getFollowUp(db: DataSource, id: string): Promise<FollowUpItem | null> {
  const rows: FollowUpItem[] = await db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE f.id = $1`, [id]);
  return rows[0] ?? null;
}

export interface Assignable { id: string; name: string; email: string }

/** Editors and admins can work a follow-up; viewers only read. */
export async function listAssignableUsers(db: DataSource): Promise<Assignable[]> {
  return db.query(`SELECT id, name, email FROM users WHERE role IN ('admin', 'editor') ORDER BY lower(coalesce(nullif(name, ''), email))`);
}

/**
 * Assigns (or unassigns with null). False when the follow-up or the user does not exist. (Updates are
 * wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count], not the rows.)
 */
export async function assignFollowUp(db: DataSource, id: string, userId: string | null): Promise<boolean> {
  const rows = await db.query(
    `WITH u AS (
       UPDATE follow_ups SET assignee_user_id = $2, updated_at = now()
       WHERE id = $1 AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $2 AND role IN ('admin', 'editor')))
       RETURNING id
     ) SELECT id FROM u`,
    [id, userId],
  );
  return rows.length > 0;
}

/** Moves a follow-up to a status; closing stamps closed_at, reopening clears it. */
export async function setFollowUpStatus(db: DataSource, id: string, status: FollowUpStatus): Promise<boolean> {
  const rows = await db.query(
    `WITH u AS (
       UPDATE follow_ups SET status = $2, updated_at = now(),
         closed_at = CASE WHEN $2 = 'closed' THEN coalesce(closed_at, now()) ELSE NULL END
       WHERE id = $1 RETURNING id
     ) SELECT id FROM u`,
    [id, status],
  );
  return rows.length > 0;
}

/**
 * Appends a note under a line naming its author and time (the caller's stamp, in the organisation's
 * zone), so the notes read as a history; pages show them as they are, escaped.
 */
export async function addFollowUpNote(db: DataSource, id: string, author: string, text: string, stamp: string): Promise<boolean> {
  const entry = `— ${author}, ${stamp}\n${text}`;
  const rows = await db.query(
    `WITH u AS (
       UPDATE follow_ups SET notes = CASE WHEN notes = '' THEN $2 ELSE notes || E'\\n\\n' || $2 END, updated_at = now()
       WHERE id = $1 RETURNING id
     ) SELECT id FROM u`,
    [id, entry],
  );
  return rows.length > 0;
}
