import type { DataSource } from 'typeorm';
import type { AtRiskReason } from './refreshAtRisk';

export interface AtRiskRow {
  contactId: string;
  email: string;
  name: string;
  attributes: Record<string, string>;
  reasons: AtRiskReason[];
  stageIds: number[];
  lastAnswerAt: Date;
  /** last_answer_at to the microsecond (UTC), for the keyset cursor. */
  cursorAt: string;
  /** The contact's oldest follow-up that is not closed, if any. */
  openFollowUpId: string | null;
}

export interface AtRiskFilter {
  reason?: AtRiskReason;
  stageId?: number;
  attribute?: { key: string; value: string };
  /** Keyset: rows strictly after this (last answer descending, then contact id descending). */
  after?: { at: string; id: string };
  limit: number;
}

/** A page of the at-risk list, newest last answer first (one index range read for an unfiltered page). */
export async function listAtRisk(db: DataSource, f: AtRiskFilter): Promise<AtRiskRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (v: unknown) => { params.push(v); return `$${params.length}`; };
  if (f.reason) where.push(`a.reasons @> ARRAY[${add(f.reason)}::text]`);
  if (f.stageId !== undefined) where.push(`a.stage_ids @> ARRAY[${add(f.stageId)}::int]`);
  if (f.attribute) where.push(`c.attributes @> jsonb_build_object(${add(f.attribute.key)}::text, ${add(f.attribute.value)}::text)`);
  if (f.after) where.push(`(a.last_answer_at, a.contact_id) < (${add(f.after.at)}::timestamptz, ${add(f.after.id)}::uuid)`);
  const rows: AtRiskRow[] = await db.query(
    `SELECT a.contact_id AS "contactId", c.email, c.name, c.attributes, a.reasons, a.stage_ids AS "stageIds", a.last_answer_at AS "lastAnswerAt",
            to_char(a.last_answer_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt",
            a.follow_up_id::text AS "openFollowUpId"
     FROM at_risk_contacts a JOIN contacts c ON c.id = a.contact_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.last_answer_at DESC, a.contact_id DESC
     LIMIT ${add(f.limit)}`, params);
  return rows;
}

/** How many contacts are at risk now (the overview's and the digest's figure). */
export async function countAtRisk(db: DataSource): Promise<number> {
  const [{ n }]: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM at_risk_contacts`);
  return n;
}
