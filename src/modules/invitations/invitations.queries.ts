import type { DataSource } from 'typeorm';
import { responseRate, type ResponseRate } from '../metrics';
import type { InvitationStatus } from './invitation.entity';

export type { ResponseRate };

const RATE_COLUMNS = `count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
  count(*) FILTER (WHERE sent_at IS NOT NULL AND responded_at IS NOT NULL)::int AS responded`;

/** SPEC §3: response rate of a survey = invitations with a response / invitations sent. */
export async function getSurveyResponseRate(db: DataSource, surveyId: string): Promise<ResponseRate> {
  const [row]: Array<{ sent: number; responded: number }> = await db.query(`SELECT ${RATE_COLUMNS} FROM invitations WHERE survey_id = $1`, [surveyId]);
  return responseRate(row.sent, row.responded);
}

export interface SendSurvey {
  id: string;
  title: string;
  kind: 'nps' | 'csat' | 'ces';
  status: 'draft' | 'active' | 'closed';
  recontactDays: number;
}

export async function getSendSurvey(db: DataSource, surveyId: string): Promise<SendSurvey | null> {
  const rows: SendSurvey[] = await db.query(
    `SELECT s.id, s.title, s.kind, s.status, coalesce(s.recontact_days, g.recontact_days) AS "recontactDays"
     FROM surveys s CROSS JOIN settings g WHERE s.id = $1`,
    [surveyId],
  );
  return rows[0] ?? null;
}

export type StatusCounts = Record<InvitationStatus, number>;

export interface BatchSummary {
  id: string;
  source: 'api' | 'dashboard';
  requestedBy: string;
  audience: { type: 'emails' | 'contacts' | 'segment'; count?: number; segment?: Record<string, unknown>; sample?: number | null };
  queued: number;
  skipped: Partial<Record<string, number>>;
  createdAt: Date;
  counts: StatusCounts;
  /** Sent invitations whose survey page was opened from the email (answered or not). */
  opened: number;
  responded: number;
}

const BATCH_COLUMNS = `b.id, b.source, b.requested_by AS "requestedBy", b.audience, b.queued, b.skipped, b.created_at AS "createdAt",
  json_build_object(
    'queued', count(i.id) FILTER (WHERE i.status = 'queued'),
    'sending', count(i.id) FILTER (WHERE i.status = 'sending'),
    'sent', count(i.id) FILTER (WHERE i.status = 'sent'),
    'failed', count(i.id) FILTER (WHERE i.status = 'failed'),
    'cancelled', count(i.id) FILTER (WHERE i.status = 'cancelled')) AS counts,
  count(i.id) FILTER (WHERE i.sent_at IS NOT NULL AND i.opened_at IS NOT NULL)::int AS opened,
  count(i.id) FILTER (WHERE i.sent_at IS NOT NULL AND i.responded_at IS NOT NULL)::int AS responded`;

/** The latest sends of a survey with their delivery state. */
export async function listBatches(db: DataSource, surveyId: string, limit = 20): Promise<BatchSummary[]> {
  return db.query(
    `SELECT ${BATCH_COLUMNS}
     FROM (SELECT * FROM invitation_batches WHERE survey_id = $1 ORDER BY created_at DESC LIMIT $2) b
     LEFT JOIN invitations i ON i.batch_id = b.id
     GROUP BY b.id, b.source, b.requested_by, b.audience, b.queued, b.skipped, b.created_at
     ORDER BY b.created_at DESC`,
    [surveyId, limit],
  );
}

export async function getBatch(db: DataSource, surveyId: string, batchId: string): Promise<BatchSummary | null> {
  const rows: BatchSummary[] = await db.query(
    `SELECT ${BATCH_COLUMNS}
     FROM invitation_batches b LEFT JOIN invitations i ON i.batch_id = b.id
     WHERE b.id = $1 AND b.survey_id = $2
     GROUP BY b.id`,
    [batchId, surveyId],
  );
  return rows[0] ?? null;
}

export interface DeliveryFailure {
  email: string | null;
  error: string | null;
  at: Date;
}

/** Invitations the mail server refused for good (or that ran out of retries), newest first. */
export async function listFailures(db: DataSource, scope: { surveyId: string; batchId?: string }, limit = 100): Promise<{ items: DeliveryFailure[]; total: number }> {
  const where = `i.survey_id = $1 AND ($2::uuid IS NULL OR i.batch_id = $2) AND i.status = 'failed'`;
  const params = [scope.surveyId, scope.batchId ?? null];
  const items: DeliveryFailure[] = await db.query(
    `SELECT c.email, i.error, i.created_at AS at
     FROM invitations i LEFT JOIN contacts c ON c.id = i.contact_id
     WHERE ${where} ORDER BY i.created_at DESC, c.email LIMIT $3`,
    [...params, limit],
  );
  const [{ total }]: Array<{ total: number }> = await db.query(`SELECT count(*)::int AS total FROM invitations i WHERE ${where}`, params);
  return { items, total };
}

/** A few attribute names in use, to suggest in the segment field (a bounded sample, never a full scan). */
/** Known values of the known attribute names (from a sample of contacts), to offer in the send form. */
export async function sampleAttributeValues(db: DataSource, names: string[]): Promise<Array<{ name: string; values: string[] }>> {
  if (names.length === 0) return [];
  const rows: Array<{ name: string; values: string[] }> = await db.query(
    `SELECT k AS name, (array_agg(DISTINCT v ORDER BY v))[1:30] AS values
     FROM (SELECT attributes FROM contacts LIMIT 2000) c, jsonb_each_text(c.attributes) AS e(k, v)
     WHERE k = ANY($1::text[]) AND length(v) <= 100 GROUP BY k ORDER BY k`, [names]);
  return rows;
}

export async function sampleAttributeNames(db: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await db.query(
    `SELECT DISTINCT jsonb_object_keys(attributes) AS name FROM (SELECT attributes FROM contacts LIMIT 2000) c ORDER BY 1 LIMIT 50`);
  return rows.map((r) => r.name);
}
