import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { Locale } from '../../i18n';
import { addDays, offsetMinutes } from '../../time';
import { isDay } from '../../web/params';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { findOrCreateContact } from '../contacts';
import { isDetractor, isValidScore, SCALES, type MetricKind } from '../metrics/scoring';
import type { Settings } from '../settings/settings.entity';
import type { SurveyRow } from '../surveys';
import type { HiddenFields, ResponseChannel } from './response.entity';
import { FUTURE_TOLERANCE_MS, type CreateResponseInput, type ListResponsesQuery } from './responses.schemas';
import { getResponseById, type ResponseRow } from './queries/getResponseById';
import { getResponsesPage } from './queries/getResponsesPage';

export interface RecordResponseInput {
  surveyId: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  hidden?: HiddenFields;
  contactId?: string | null;
  /** An invitation has at most one response: answering again updates it. */
  invitationId?: string | null;
  /** A link/QR form carries a one-time key, so a double submit (slow network, back button) updates instead of duplicating. */
  submissionKey?: string | null;
  answeredAt?: Date | null;
  /**
   * Write only if the survey is still active and of this kind (the caller read it from a short-lived
   * copy): otherwise the answer fails with a DomainError coded `survey_not_answerable`, and the caller
   * looks the survey up again to say why.
   */
  onlyIfActive?: boolean;
}

export interface RecordedResponse {
  id: string;
  created: boolean;
  createdAt: Date;
  updatedAt: Date;
}

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/**
 * One multi-row statement for a batch of answers: the responses (insert, or update on the invitation /
 * submission key), the invitations' responded_at, and a follow-up for each detractor answer; the rollups
 * are kept by the trigger. An answer whose survey is gone is left out (survey_gone); a submission key
 * replayed against another survey updates nothing (no id). Keys are unique within a batch (the writer
 * holds a repeated key back for the next batch), so ON CONFLICT never meets the same row twice.
 */
const BATCH_SQL = `
WITH input AS MATERIALIZED (
  SELECT u.*, nextval('responses_id_seq') AS new_id
  FROM unnest($1::int[], $2::uuid[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::timestamptz[], $12::boolean[], $13::text[])
    AS u(ord, survey_id, score, comment, channel, locale, hidden, contact_id, invitation_id, submission_key, answered_at, detractor, if_active_kind)
  WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = u.survey_id AND (u.if_active_kind IS NULL OR (s.status = 'active' AND s.kind = u.if_active_kind)))
), r_inv AS (
  INSERT INTO responses (id, survey_id, score, comment, channel, locale, hidden, contact_id, invitation_id, submission_key, created_at, updated_at)
  SELECT new_id, survey_id, score, comment, channel, locale, hidden::jsonb, contact_id, invitation_id, submission_key,
         coalesce(answered_at, now()), coalesce(answered_at, now())
  FROM input WHERE invitation_id IS NOT NULL ORDER BY ord
  ON CONFLICT (invitation_id) WHERE invitation_id IS NOT NULL DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, locale = EXCLUDED.locale, updated_at = now()
    WHERE responses.survey_id = EXCLUDED.survey_id
  RETURNING id, invitation_id, 'i:' || invitation_id AS mk, (xmax = 0) AS created, created_at, updated_at
), r_key AS (
  INSERT INTO responses (id, survey_id, score, comment, channel, locale, hidden, contact_id, invitation_id, submission_key, created_at, updated_at)
  SELECT new_id, survey_id, score, comment, channel, locale, hidden::jsonb, contact_id, invitation_id, submission_key,
         coalesce(answered_at, now()), coalesce(answered_at, now())
  FROM input WHERE invitation_id IS NULL ORDER BY ord
  ON CONFLICT (submission_key) WHERE submission_key IS NOT NULL DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, locale = EXCLUDED.locale, updated_at = now()
    WHERE responses.survey_id = EXCLUDED.survey_id
  RETURNING id, invitation_id, CASE WHEN submission_key IS NULL THEN 'n:' || id ELSE 'k:' || submission_key END AS mk, (xmax = 0) AS created, created_at, updated_at
), r AS (
  SELECT * FROM r_inv UNION ALL SELECT * FROM r_key
), matched AS (
  SELECT i.ord, i.detractor, r.id, r.created, r.created_at, r.updated_at
  FROM input i JOIN r ON r.mk = CASE WHEN i.invitation_id IS NOT NULL THEN 'i:' || i.invitation_id
                                     WHEN i.submission_key IS NOT NULL THEN 'k:' || i.submission_key
                                     ELSE 'n:' || i.new_id END
), inv AS (
  UPDATE invitations SET responded_at = now() WHERE id IN (SELECT invitation_id FROM r_inv)
), f AS (
  INSERT INTO follow_ups (response_id) SELECT id FROM matched WHERE detractor ON CONFLICT (response_id) DO NOTHING
)
SELECT u.ord, m.id, m.created, m.created_at, m.updated_at, (i.ord IS NULL) AS survey_gone
FROM unnest($1::int[]) AS u(ord) LEFT JOIN input i ON i.ord = u.ord LEFT JOIN matched m ON m.ord = u.ord`;

interface BatchRow { ord: number; id: string | null; created: boolean | null; created_at: Date | null; updated_at: Date | null; survey_gone: boolean }

type Outcome = { ok: true; value: RecordedResponse } | { ok: false; error: unknown };

/** Writes the answers in one statement (one transaction, one commit); each answer gets its own outcome. */
async function writeBatch(db: Queryable, inputs: RecordResponseInput[]): Promise<Outcome[]> {
  const rows: BatchRow[] = await db.query(BATCH_SQL, [
    inputs.map((_, i) => i),
    inputs.map((x) => x.surveyId),
    inputs.map((x) => x.score),
    inputs.map((x) => x.comment),
    inputs.map((x) => x.channel),
    inputs.map((x) => x.locale),
    inputs.map((x) => JSON.stringify(x.hidden ?? {})),
    inputs.map((x) => x.contactId ?? null),
    inputs.map((x) => x.invitationId ?? null),
    // An invitation's answer is keyed by the invitation, as before: its form's key is not stored.
    inputs.map((x) => (x.invitationId ? null : x.submissionKey ?? null)),
    inputs.map((x) => x.answeredAt ?? null),
    inputs.map((x) => isDetractor(x.kind, x.score)),
    inputs.map((x) => (x.onlyIfActive ? x.kind : null)),
  ]);
  const outcomes: Outcome[] = inputs.map(() => ({ ok: false, error: new Error('answer missing from its batch') }));
  for (const row of rows) {
    outcomes[row.ord] = row.survey_gone
      ? { ok: false, error: inputs[row.ord].onlyIfActive ? new DomainError('wrong_state', 'The survey takes no answers now', { code: 'survey_not_answerable' })
        : new DomainError('not_found', 'The survey no longer exists', { code: 'survey_not_found', messageKey: 'error.surveyNotFound' }) }
      : row.id === null
        // Only a submission key replayed against another survey updates nothing.
        ? { ok: false, error: new DomainError('conflict', 'This answer belongs to another survey') }
        : { ok: true, value: { id: String(row.id), created: Boolean(row.created), createdAt: row.created_at!, updatedAt: row.updated_at! } };
  }
  return outcomes;
}

/** A foreign key gone between the page's checks and the write (the invitation or contact deleted) is a 404. */
function asAnswerError(err: unknown): unknown {
  const e = err as { code?: string; driverError?: { code?: string } };
  if ((e?.driverError?.code ?? e?.code) === '23503') return new DomainError('not_found', 'What this answer refers to no longer exists');
  return err;
}

interface Pending { input: RecordResponseInput; resolve(value: RecordedResponse): void; reject(err: unknown): void }

/** The most answers one statement carries; more wait for the next one. */
const MAX_BATCH = 1000;

/**
 * The one writer of answers of a process (per DataSource). Requests queue their answer and wait for their
 * own batch's commit; the writer takes everything queued since its last statement and writes it as one
 * statement in one durable transaction, and starts the next batch as soon as that one returns (no wait
 * window: a lone answer is written at once). One bad answer does not fail the others: an answer for a
 * deleted survey or a conflicting key gets its own error, and if the batch statement itself fails (a
 * foreign key gone), the batch is written again one answer at a time. When the database cannot be
 * reached, every answer of the batch gets that error (the page says "please try again").
 */
export class AnswerWriter {
  private queue: Pending[] = [];
  private running = false;
  /** Statements and answers written, for the bench and tests. */
  readonly stats = { batches: 0, answers: 0, largestBatch: 0 };

  constructor(private readonly db: Queryable) {}

  write(input: RecordResponseInput): Promise<RecordedResponse> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) {
        this.running = true;
        // After the I/O callbacks of this turn: requests that arrived together go in one statement.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.flush(this.takeBatch());
    } finally {
      this.running = false;
    }
  }

  /** Up to MAX_BATCH queued answers, in order; an answer whose key is already in the batch waits for the next. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const keys = new Set<string>();
    for (const p of this.queue) {
      const key = p.input.invitationId ? `i:${p.input.invitationId}` : p.input.submissionKey ? `k:${p.input.submissionKey}` : null;
      if (batch.length >= MAX_BATCH || (key !== null && keys.has(key))) {
        rest.push(p);
        continue;
      }
      if (key !== null) keys.add(key);
      batch.push(p);
    }
    this.queue = rest;
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await writeBatch(this.db, batch.map((p) => p.input));
    } catch (err) {
      if (batch.length === 1 || isDatabaseUnavailable(err)) {
        for (const p of batch) p.reject(asAnswerError(err));
        return;
      }
      // The statement failed as a whole: find the culprit by writing the answers one by one.
      outcomes = [];
      for (const p of batch) {
        try {
          outcomes.push((await writeBatch(this.db, [p.input]))[0]);
        } catch (single) {
          outcomes.push({ ok: false, error: asAnswerError(single) });
        }
      }
    }
    this.stats.batches++;
    this.stats.answers += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }
}

const writers = new WeakMap<object, AnswerWriter>();

/** The process's answer writer for this database. */
export function answerWriter(db: DataSource): AnswerWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new AnswerWriter(db);
    writers.set(db, writer);
  }
  return writer;
}

/**
 * Stores an answer: the response (insert, or update on the invitation / submission key), the invitation's
 * responded_at, and a follow-up for a detractor; the rollups are kept by a trigger. Through the database
 * (a DataSource) it goes in the process's next batch and resolves once that batch is committed; inside a
 * transaction (an EntityManager) it is written at once, as part of that transaction.
 */
export async function recordResponse(db: DataSource | EntityManager, input: RecordResponseInput): Promise<RecordedResponse> {
  if (isDataSource(db)) return answerWriter(db).write(input);
  let outcome: Outcome;
  try {
    [outcome] = await writeBatch(db, [input]);
  } catch (err) {
    throw asAnswerError(err);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function isDataSource(db: DataSource | EntityManager): db is DataSource {
  return typeof (db as DataSource).createQueryRunner === 'function' && typeof (db as DataSource).initialize === 'function';
}

function invalid(path: string, message: string): DomainError {
  return new DomainError('invalid', 'The request is not valid', { details: [{ path, message }] });
}

/**
 * An answer sent through the API (kiosks, imports: channel `api`), as the API returns it. Like the public
 * pages, only an active survey takes answers; `answeredAt` brings history over from another tool.
 */
export async function recordApiResponse(db: DataSource, survey: SurveyRow, input: CreateResponseInput, settings: Settings): Promise<ResponseRow> {
  if (!isValidScore(survey.kind, input.score)) {
    const { min, max } = SCALES[survey.kind];
    throw invalid('score', `score must be an integer from ${min} to ${max} for a ${survey.kind} survey`);
  }
  const answeredAt = input.answeredAt ? toInstant(input.answeredAt, settings.timeZone, 'start') : null;
  if (answeredAt && answeredAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) throw invalid('answeredAt', 'answeredAt must not be in the future');
  if (survey.status === 'closed') throw new DomainError('wrong_state', 'The survey is closed and accepts no answers', { code: 'survey_closed' });
  if (survey.status === 'draft') throw new DomainError('wrong_state', 'The survey is a draft: activate it before it takes answers', { code: 'survey_draft' });
  // The contact first (an idempotent upsert), then the answer in the process's next batch of answers.
  const contact = input.email ? await findOrCreateContact(db, input.email) : null;
  const recorded = await recordResponse(db, {
    surveyId: survey.id, kind: survey.kind, score: input.score, comment: input.comment ? input.comment : null,
    channel: 'api', locale: input.locale ?? contact?.locale ?? settings.defaultLocale, hidden: input.hidden ?? {},
    contactId: contact?.id ?? null, answeredAt,
  });
  return (await getResponseById(db, recorded.id))!;
}

/** A page of responses for GET /api/v1/responses; `since` and `until` given as days are days in the organisation's time zone. */
export async function listResponses(db: DataSource, q: ListResponsesQuery, timeZone: string): Promise<{ items: ResponseRow[]; nextCursor: string | null }> {
  return getResponsesPage(db, {
    ...q,
    since: q.since ? toInstant(q.since, timeZone, 'start').toISOString() : undefined,
    until: q.until ? toInstant(q.until, timeZone, 'end').toISOString() : undefined,
  });
}

/** The first instant of a calendar day in the zone. */
function startOfZonedDay(day: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  const guess = utcMidnight - offsetMinutes(new Date(utcMidnight), timeZone) * 60_000;
  // Across a DST change the offset at the guess is the one that holds at local midnight.
  return new Date(utcMidnight - offsetMinutes(new Date(guess), timeZone) * 60_000);
}

/** A validated point in time as an instant: a day is its start (or, for an exclusive end, the next day's start). */
function toInstant(value: string, timeZone: string, dayEdge: 'start' | 'end'): Date {
  if (!isDay(value)) return new Date(value);
  return startOfZonedDay(dayEdge === 'start' ? value : addDays(value, 1), timeZone);
}
