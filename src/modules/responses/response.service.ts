import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../../i18n';
import { isDetractor, type MetricKind } from '../metrics/scoring';
import { HttpError } from '../../web/errors';
import type { HiddenFields, ResponseChannel } from './response.entity';

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
  if (!row) throw new HttpError(409, 'conflict', 'This answer belongs to another survey');
  return { id: String(row.id), created: row.created, createdAt: row.created_at, updatedAt: row.updated_at };
}
