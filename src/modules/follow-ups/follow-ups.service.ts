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
/** `any`, `me`, `none`, or one assignee's user id. */
export type AssigneeFilter = (typeof ASSIGNEE_FILTERS)[number] | string;
/** Age filter: items opened at least this many days ago (`any`: every age). */
export const AGE_FILTERS = ['any', '1d', '3d', '7d', '14d', '30d'] as const;
export type AgeFilter = (typeof AGE_FILTERS)[number];

export interface QueueQuery {
  status: StatusFilter;
  assignee: AssigneeFilter;
  userId: string;
  stage?: string;
  touchpoint?: string;
  age?: AgeFilter;
  cursor?: string;
  limit: number;
}

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
export async function listFollowUps(db: DataSource, q: QueueQuery): Promise<{ items: FollowUpItem[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (q.status === 'active') where.push(`f.status IN ('open', 'in_progress')`);
  else if (q.status !== 'all') where.push(`f.status = ${p(q.status)}`);
  if (q.assignee === 'me') where.push(`f.assignee_user_id = ${p(q.userId)}::uuid`);
  else if (q.assignee === 'none') where.push(`f.assignee_user_id IS NULL`);
  else if (q.assignee !== 'any') where.push(`f.assignee_user_id = ${p(q.assignee)}::uuid`);
  if (q.touchpoint) where.push(`t.key = ${p(q.touchpoint)}`);
  if (q.stage) where.push(`coalesce(s.stage_id, t.stage_id) = (SELECT id FROM stages WHERE key = ${p(q.stage)})`);
  if (q.age && q.age !== 'any') where.push(`f.created_at <= now() - ${p(Number(q.age.slice(0, -1)))}::int * interval '1 day'`);
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

export interface Actor { id: string; name: string }

export interface FollowUpChange {
  status?: FollowUpStatus;
  /** A user id, null to unassign, undefined to leave as is. */
  assignee?: string | null;
  note?: string;
}

export type ChangeOutcome = 'saved' | 'unchanged' | 'not_found' | 'bad_assignee';

export interface FollowUpEvent {
  id: string;
  at: Date;
  kind: 'opened' | 'status' | 'assigned' | 'note';
  actorName: string | null;
  status: FollowUpStatus | null;
  assigneeId: string | null;
  assigneeName: string | null;
  note: string | null;
}

/** The one write path of a follow-up: status, assignee and a note in one save, each change on the timeline. */
export async function updateFollowUp(db: DataSource, id: string, actor: Actor, change: FollowUpChange): Promise<ChangeOutcome> {
  return db.transaction(async (m) => {
    const [current]: Array<{ status: FollowUpStatus; assignee: string | null }> = await m.query(
      `SELECT status, assignee_user_id AS assignee FROM follow_ups WHERE id = $1 FOR UPDATE`, [id]);
    if (!current) return 'not_found';
    return applyChange(m.query.bind(m), id, current, actor, change);
  });
}

/** Several follow-ups at once (the queue's bulk assign / close); returns how many changed. */
export async function bulkUpdateFollowUps(db: DataSource, ids: string[], actor: Actor, change: FollowUpChange): Promise<{ changed: number } | 'bad_assignee'> {
  return db.transaction(async (m) => {
    const rows: Array<{ id: string; status: FollowUpStatus; assignee: string | null }> = await m.query(
      `SELECT id::text AS id, status, assignee_user_id AS assignee FROM follow_ups WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, [ids]);
    let changed = 0;
    for (const row of rows) {
      const outcome = await applyChange(m.query.bind(m), row.id, row, actor, change);
      if (outcome === 'bad_assignee') throw new BadAssignee();
      if (outcome === 'saved') changed++;
    }
    return { changed };
  }).catch((err: unknown) => {
    if (err instanceof BadAssignee) return 'bad_assignee' as const;
    throw err;
  });
}

class BadAssignee extends Error {}

type Query = (sql: string, params?: unknown[]) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function applyChange(query: Query, id: string, current: { status: FollowUpStatus; assignee: string | null }, actor: Actor, change: FollowUpChange): Promise<ChangeOutcome> {
  const event = (kind: FollowUpEvent['kind'], fields: { status?: FollowUpStatus; assignee?: string | null; note?: string }) => query(
    `INSERT INTO follow_up_events (follow_up_id, kind, actor_user_id, actor_name, status, assignee_user_id, assignee_name, note)
     VALUES ($1, $2, $3, $4, $5, $6, (SELECT nullif(name, '') FROM users WHERE id = $6), $7)`,
    [id, kind, actor.id, actor.name, fields.status ?? null, fields.assignee ?? null, fields.note ?? null]);
  let saved = false;
  if (change.assignee !== undefined && change.assignee !== current.assignee) {
    if (change.assignee !== null) {
      const ok = await query(`SELECT 1 FROM users WHERE id = $1 AND role IN ('admin', 'editor')`, [change.assignee]);
      if (ok.length === 0) return 'bad_assignee';
    }
    await query(`UPDATE follow_ups SET assignee_user_id = $2, updated_at = now() WHERE id = $1`, [id, change.assignee]);
    await event('assigned', { assignee: change.assignee });
    saved = true;
  }
  if (change.status && change.status !== current.status) {
    await query(
      `UPDATE follow_ups SET status = $2, updated_at = now(),
         closed_at = CASE WHEN $2 = 'closed' THEN coalesce(closed_at, now()) ELSE NULL END
       WHERE id = $1`, [id, change.status]);
    await event('status', { status: change.status });
    saved = true;
  }
  if (change.note) {
    await query(`UPDATE follow_ups SET updated_at = now() WHERE id = $1`, [id]);
    await event('note', { note: change.note });
    saved = true;
  }
  return saved ? 'saved' : 'unchanged';
}

/** Every change of a follow-up, oldest first: the item's timeline. */
export async function listFollowUpEvents(db: DataSource, id: string): Promise<FollowUpEvent[]> {
  return db.query(
    `SELECT e.id::text AS id, e.at, e.kind, coalesce(nullif(u.name, ''), e.actor_name, u.email) AS "actorName", e.status,
            e.assignee_user_id AS "assigneeId", coalesce(nullif(a.name, ''), e.assignee_name, a.email) AS "assigneeName", e.note
     FROM follow_up_events e LEFT JOIN users u ON u.id = e.actor_user_id LEFT JOIN users a ON a.id = e.assignee_user_id
     WHERE e.follow_up_id = $1 ORDER BY e.at, e.id`, [id]);
}

/** The stages and touchpoints the queue can be filtered by (key and names). */
export async function listQueueScopes(db: DataSource): Promise<{ stages: Array<{ key: string; nameVi: string; nameEn: string }>; touchpoints: Array<{ key: string; nameVi: string; nameEn: string }> }> {
  const [stages, touchpoints] = await Promise.all([
    db.query(`SELECT key, name_vi AS "nameVi", name_en AS "nameEn" FROM stages ORDER BY position, key`),
    db.query(`SELECT key, name_vi AS "nameVi", name_en AS "nameEn" FROM touchpoints ORDER BY lower(name_vi), key`),
  ]);
  return { stages, touchpoints };
}
