import crypto from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { enqueueInvitationEmails, wakeLocalWorkers, type JobQueue } from '../../jobs/queue';
import { HttpError } from '../../web/errors';
import { emailSchema, upsertContacts, type ContactInput } from '../contacts';
import { newInvitationToken } from './invitation-token';

/** SPEC §4: a skipped contact gets the first reason that applies, in this order. */
export const SKIP_REASONS = ['invalid', 'unsubscribed', 'duplicate', 'throttled'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Attribute = value pairs; a value matches the attribute's text form (5 matches 5 and "5"). */
export type Segment = Record<string, string | number | boolean>;

export type Audience =
  | { type: 'emails'; emails: string[] }
  | { type: 'contacts'; contacts: Array<Omit<ContactInput, 'email'> & { email: string }> }
  | { type: 'segment'; segment: Segment; sample: number | null };

export interface SendRequest {
  surveyId: string;
  audience: Audience;
  source: 'api' | 'dashboard';
  requestedBy: string;
  /** The dashboard form's one-time id: posting the same form twice creates one batch. */
  batchId?: string;
  /** This send only: a recontact window other than the survey's (0: no window). */
  recontactDays?: number;
}

export interface SendReport {
  batchId: string;
  queued: number;
  skipped: Array<{ email: string; reason: SkipReason }>;
  /** True when the batch id had been used already: nothing new was queued. */
  repeated: boolean;
}

interface SendableSurvey { id: string; status: string; recontactDays: number }

/** The survey, its recontact window (its own override, else the settings'), and that it is open. */
async function sendableSurvey(db: DataSource, surveyId: string): Promise<SendableSurvey> {
  const rows: SendableSurvey[] = await db.query(
    `SELECT s.id, s.status, coalesce(s.recontact_days, g.recontact_days) AS "recontactDays"
     FROM surveys s CROSS JOIN settings g WHERE s.id = $1`,
    [surveyId],
  );
  const survey = rows[0];
  if (!survey) throw new HttpError(404, 'not_found', `No survey with id ${surveyId}`);
  if (survey.status !== 'active') {
    throw new HttpError(409, 'survey_not_active', `The survey is ${survey.status}: only an active survey can be sent`, [], 'invite.notActive');
  }
  return survey;
}

interface CandidateRow { id: string; email: string; key: string; unsubscribed: boolean; throttled: boolean }

/**
 * Contacts with their state, locked until the batch commits: two sends at the same moment cannot both
 * pass the recontact check for one contact. Always locked in id order, so concurrent sends never deadlock.
 */
function candidateSql(where: string, lock = true): string {
  return `SELECT c.id, c.email, lower(c.email) AS key, c.unsubscribed_at IS NOT NULL AS unsubscribed,
            ($1::int > 0 AND EXISTS (
              SELECT 1 FROM invitations i
              WHERE i.contact_id = c.id AND i.status NOT IN ('failed', 'cancelled')
                AND i.created_at > now() - make_interval(days => $1::int))) AS throttled
          FROM contacts c WHERE ${where}
          ${lock ? 'ORDER BY c.id FOR UPDATE OF c' : ''}`;
}

interface Selection { contactIds: string[]; skipped: SendReport['skipped'] }

/** Explicit addresses, in the request's order: each gets invited or one reason (SPEC §4 order). */
async function selectListed(qr: QueryRunner, audience: Extract<Audience, { type: 'emails' | 'contacts' }>, recontactDays: number): Promise<Selection> {
  const items = audience.type === 'emails'
    ? audience.emails.map((email) => ({ email }))
    : audience.contacts;
  const parsed = items.map((item) => {
    const { value, error } = emailSchema.validate(item.email);
    return { item, raw: item.email.trim(), key: error ? null : (value as string).toLowerCase(), address: error ? null : (value as string) };
  });

  // Unknown addresses become contacts (the first occurrence of each, in a stable order for row locks).
  const firsts = new Map<string, (typeof parsed)[number]>();
  for (const p of parsed) if (p.key && !firsts.has(p.key)) firsts.set(p.key, p);
  const ordered = [...firsts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, p]) => p);
  if (ordered.length > 0) {
    if (audience.type === 'contacts') {
      await upsertContacts(qr.manager, ordered.map((p) => ({ ...p.item, email: p.address })));
    } else {
      await qr.query(`INSERT INTO contacts (email) SELECT unnest($1::text[]) ON CONFLICT ((lower(email))) DO NOTHING`,
        [ordered.map((p) => p.address)]);
    }
  }
  const rows: CandidateRow[] = ordered.length === 0 ? [] : await qr.query(candidateSql(`lower(c.email) = ANY($2::text[])`),
    [recontactDays, ordered.map((p) => p.key)]);
  const byKey = new Map(rows.map((r) => [r.key, r]));

  const seen = new Set<string>();
  const selection: Selection = { contactIds: [], skipped: [] };
  for (const p of parsed) {
    const contact = p.key ? byKey.get(p.key) : undefined;
    let reason: SkipReason | null = null;
    if (!p.key || !contact) reason = 'invalid';
    else if (contact.unsubscribed) reason = 'unsubscribed';
    else if (seen.has(p.key)) reason = 'duplicate';
    else if (contact.throttled) reason = 'throttled';
    if (p.key) seen.add(p.key);
    if (reason) selection.skipped.push({ email: p.raw, reason });
    else selection.contactIds.push(contact!.id);
  }
  return selection;
}

/** SQL condition and parameters (after $1, the recontact days) for a segment; {} is every contact. */
export function segmentCondition(segment: Segment, firstParam = 2): { where: string; params: string[] } {
  const entries = Object.entries(segment);
  if (entries.length === 0) return { where: 'true', params: [] };
  const params: string[] = [];
  const parts = entries.map(([key, value]) => {
    params.push(key, String(value));
    return `c.attributes ->> $${firstParam + params.length - 2} = $${firstParam + params.length - 1}`;
  });
  return { where: parts.join(' AND '), params };
}

/** k of the items, uniformly at random (a partial Fisher–Yates shuffle). */
function sampleOf<T>(items: T[], k: number): T[] {
  const copy = items.slice();
  for (let i = 0; i < k; i++) {
    const j = i + crypto.randomInt(copy.length - i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, k);
}

/**
 * A segment: contacts who cannot be invited are reported (unsubscribed, or invited recently); the
 * sample is drawn from the others, so "10 %" means 10 % of those who can receive the survey now.
 */
async function selectSegment(qr: QueryRunner, audience: Extract<Audience, { type: 'segment' }>, recontactDays: number): Promise<Selection> {
  const { where, params } = segmentCondition(audience.segment);
  const rows: CandidateRow[] = await qr.query(candidateSql(where), [recontactDays, ...params]);
  const eligible = rows.filter((r) => !r.unsubscribed && !r.throttled);
  const picked = audience.sample === null ? eligible : sampleOf(eligible, Math.round(eligible.length * audience.sample));
  const skipped = rows.filter((r) => r.unsubscribed || r.throttled)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => ({ email: r.email, reason: (r.unsubscribed ? 'unsubscribed' : 'throttled') as SkipReason }));
  return { contactIds: picked.map((r) => r.id), skipped };
}

function describeAudience(audience: Audience): Record<string, unknown> {
  if (audience.type === 'segment') return { type: 'segment', segment: audience.segment, sample: audience.sample };
  return { type: audience.type, count: audience.type === 'emails' ? audience.emails.length : audience.contacts.length };
}

const INVITATIONS_PER_INSERT = 5000;

/**
 * One send: writes a batch, one queued invitation per chosen contact, and one email job per invitation,
 * all in one transaction — so an interrupted send leaves either everything queued or nothing at all,
 * and the jobs then survive restarts. Skipped contacts come back with their reason.
 */
export async function sendInvitations(deps: { db: DataSource; queue: JobQueue }, request: SendRequest): Promise<SendReport> {
  const { db, queue } = deps;
  const survey = await sendableSurvey(db, request.surveyId);
  const boss = await queue.start();
  const batchId = request.batchId ?? crypto.randomUUID();
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const created: unknown[] = await qr.query(
      `INSERT INTO invitation_batches (id, survey_id, source, requested_by, audience) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [batchId, survey.id, request.source, request.requestedBy, JSON.stringify(describeAudience(request.audience))],
    );
    if (created.length === 0) {
      await qr.rollbackTransaction();
      const [batch]: Array<{ queued: number }> = await db.query(`SELECT queued FROM invitation_batches WHERE id = $1`, [batchId]);
      return { batchId, queued: batch?.queued ?? 0, skipped: [], repeated: true };
    }
    const recontactDays = request.recontactDays ?? survey.recontactDays;
    const selection = request.audience.type === 'segment'
      ? await selectSegment(qr, request.audience, recontactDays)
      : await selectListed(qr, request.audience, recontactDays);

    const invitationIds: string[] = [];
    for (let i = 0; i < selection.contactIds.length; i += INVITATIONS_PER_INSERT) {
      const chunk = selection.contactIds.slice(i, i + INVITATIONS_PER_INSERT);
      const rows: Array<{ id: string }> = await qr.query(
        `INSERT INTO invitations (survey_id, contact_id, token, channel, status, batch_id)
         SELECT $1, u.contact_id, u.token, 'email', 'queued', $2 FROM unnest($3::uuid[], $4::text[]) AS u(contact_id, token)
         ON CONFLICT (batch_id, contact_id) WHERE batch_id IS NOT NULL DO NOTHING
         RETURNING id`,
        [survey.id, batchId, chunk, chunk.map(() => newInvitationToken())],
      );
      invitationIds.push(...rows.map((r) => r.id));
    }
    await enqueueInvitationEmails(boss, qr, invitationIds.map((invitationId) => ({ invitationId })));
    const skippedCounts = Object.fromEntries(SKIP_REASONS.map((r) => [r, selection.skipped.filter((s) => s.reason === r).length]));
    await qr.query(`UPDATE invitation_batches SET queued = $2, skipped = $3 WHERE id = $1`,
      [batchId, invitationIds.length, JSON.stringify(skippedCounts)]);
    await qr.commitTransaction();
    if (invitationIds.length > 0) wakeLocalWorkers();
    return { batchId, queued: invitationIds.length, skipped: selection.skipped, repeated: false };
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

export interface AudiencePreview {
  matching: number;
  unsubscribed: number;
  throttled: number;
  /** Those who can receive the survey now (before a sample is drawn). */
  eligible: number;
  /** Exactly how many a send with the same choice would queue now. */
  willSend: number;
  recontactDays: number;
  /** The window is this send's own, not the survey's. */
  recontactOverridden: boolean;
}

/** The counts a send to this segment would produce, without locking or writing anything. */
export async function previewSegment(db: DataSource, surveyId: string, segment: Segment, sample: number | null, recontactOverride?: number): Promise<AudiencePreview> {
  const [settings]: Array<{ recontactDays: number }> = await db.query(
    `SELECT coalesce(s.recontact_days, g.recontact_days) AS "recontactDays" FROM surveys s CROSS JOIN settings g WHERE s.id = $1`, [surveyId]);
  const recontactDays = recontactOverride ?? settings?.recontactDays ?? 0;
  const { where, params } = segmentCondition(segment);
  const [row]: Array<{ matching: number; unsubscribed: number; throttled: number }> = await db.query(
    `SELECT count(*)::int AS matching,
            count(*) FILTER (WHERE unsubscribed)::int AS unsubscribed,
            count(*) FILTER (WHERE throttled AND NOT unsubscribed)::int AS throttled
     FROM (${candidateSql(where, false)}) AS x`,
    [recontactDays, ...params],
  );
  const eligible = row.matching - row.unsubscribed - row.throttled;
  return { ...row, eligible, willSend: sample === null ? eligible : Math.round(eligible * sample), recontactDays, recontactOverridden: recontactOverride !== undefined };
}
