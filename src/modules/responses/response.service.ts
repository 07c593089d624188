import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { Locale } from '../../i18n';
import { addDays, offsetMinutes } from '../../time';
import { isDay } from '../../web/params';
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
}

export interface RecordedResponse {
  id: string;
  created: boolean;
  createdAt: Date;
  updatedAt: Date;
}

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/**
 * Stores an answer in one statement: the response (insert, or update on the invitation / submission key),
 * the invitation's responded_at, and a follow-up for a detractor. The daily rollup is kept by a trigger.
 */
export async function recordResponse(db: Queryable, input: RecordResponseInput): Promise<RecordedResponse> {
  const conflict = input.invitationId ? 'invitation_id' : input.submissionKey ? 'submission_key' : null;
  const onConflict = conflict
    ? `ON CONFLICT (${conflict}) DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, locale = EXCLUDED.locale, updated_at = now()
       WHERE responses.survey_id = EXCLUDED.survey_id`
    : '';
  const rows: Array<{ id: string; created: boolean; created_at: Date; updated_at: Date }> = await db.query(
    `WITH r AS (
       INSERT INTO responses (survey_id, score, comment, channel, locale, hidden, contact_id, invitation_id, submission_key, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10::timestamptz, now()), coalesce($10::timestamptz, now()))
       ${onConflict}
       RETURNING id, (xmax = 0) AS created, created_at, updated_at
     ), inv AS (
       UPDATE invitations SET responded_at = now() WHERE id = $8 AND EXISTS (SELECT 1 FROM r)
     ), f AS (
       INSERT INTO follow_ups (response_id) SELECT id FROM r WHERE $11::boolean ON CONFLICT (response_id) DO NOTHING
     )
     SELECT id, created, created_at, updated_at FROM r`,
    [
      input.surveyId, input.score, input.comment, input.channel, input.locale, JSON.stringify(input.hidden ?? {}),
      input.contactId ?? null, input.invitationId ?? null, input.submissionKey ?? null, input.answeredAt ?? null,
      isDetractor(input.kind, input.score),
    ],
  );
  const row = rows[0];
  // Only a submission key replayed against another survey updates nothing.
  if (!row) throw new DomainError('conflict', 'This answer belongs to another survey');
  return { id: String(row.id), created: row.created, createdAt: row.created_at, updatedAt: row.updated_at };
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
  const recorded = await db.transaction(async (tx) => {
    const contact = input.email ? await findOrCreateContact(tx, input.email) : null;
    return recordResponse(tx, {
      surveyId: survey.id, kind: survey.kind, score: input.score, comment: input.comment ? input.comment : null,
      channel: 'api', locale: input.locale ?? contact?.locale ?? settings.defaultLocale, hidden: input.hidden ?? {},
      contactId: contact?.id ?? null, answeredAt,
    });
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
