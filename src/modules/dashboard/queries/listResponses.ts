import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { ResponseChannel } from '../../responses/response.entity';
import type { AttributeFilter, MetricKind } from '../../metrics';
import { encodeCursor, requireCursor, type DayRange } from '../../../web/params';

export interface ResponseListQuery {
  period: DayRange;
  timeZone: string;
  /** Surveys in scope; null means every survey. */
  surveyIds: string[] | null;
  /** Per metric kind, the surveys of that kind in scope and the scores that pass the score-group filter. */
  scoreFilter?: Array<{ surveyIds: string[]; scores: number[] }>;
  channel?: ResponseChannel;
  attribute?: AttributeFilter;
  /** A hidden field of the survey link (`?store=q1`), matched exactly. */
  hidden?: AttributeFilter;
  withComment?: boolean;
  /** A team topic: answers whose comment mentions it (the matches the themes job stores). */
  topicId?: number;
  cursor?: string;
  limit: number;
}

export interface ResponseListItem {
  id: string;
  surveyId: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  channel: ResponseChannel;
  locale: Locale;
  createdAt: Date;
  contactEmail: string | null;
  contactAttributes: Record<string, unknown> | null;
  hidden: Record<string, string>;
  followUpId: string | null;
}

/**
 * Responses newest first, one page at a time, by keyset on (created_at, id): each page is an index range
 * scan from the cursor with LIMIT, so page 1000 costs what page 1 costs (no OFFSET).
 */
export async function listResponses(db: DataSource, q: ResponseListQuery): Promise<{ items: ResponseListItem[]; nextCursor: string | null }> {
  const { params, p, where } = conditions(q);
  // Filtered by a topic, the answers are walked from the topic's stored matches (same time and id), newest first.
  const order = q.topicId !== undefined ? ['tr.created_at', 'tr.response_id'] : ['r.created_at', 'r.id'];
  if (q.cursor) {
    const c = requireCursor(q.cursor, 'bigserial');
    where.push(`(${order.join(', ')}) < (${p(c.at)}::timestamptz, ${p(c.id)}::bigint)`);
  }
  const rows: Array<ResponseListItem & { cursorAt: string }> = await db.query(
    `SELECT r.id::text AS id, r.survey_id AS "surveyId", s.kind, r.score, r.comment, r.channel, r.locale, r.created_at AS "createdAt",
            c.email AS "contactEmail", c.attributes AS "contactAttributes", r.hidden, f.id::text AS "followUpId",
            to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
     FROM ${responsesFrom(q)} JOIN surveys s ON s.id = r.survey_id
     ${q.attribute ? 'JOIN' : 'LEFT JOIN'} contacts c ON c.id = r.contact_id
     LEFT JOIN follow_ups f ON f.response_id = r.id
     WHERE ${where.join(' AND ')}
     ORDER BY ${order.map((c) => `${c} DESC`).join(', ')}
     LIMIT ${p(q.limit + 1)}`,
    params,
  );
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  return {
    items: page.map(({ cursorAt: _cursorAt, ...item }) => item),
    nextCursor: hasMore ? encodeCursor({ at: page[page.length - 1].cursorAt, id: page[page.length - 1].id }) : null,
  };
}

/**
 * The answers a list reads: all of them, or those of a team topic through its stored matches
 * (`topic_responses`, kept by the themes job), read newest first from the topic's own index so that a
 * rare topic does not walk every answer of the period.
 */
export function responsesFrom(q: ResponseListQuery): string {
  return q.topicId !== undefined ? 'topic_responses tr JOIN responses r ON r.id = tr.response_id' : 'responses r';
}

/** The filters of a list query as SQL conditions (shared by the page and its count). */
export function conditions(q: ResponseListQuery) {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const tz = p(q.timeZone);
  const where = [
    `r.created_at >= ${p(q.period.from)}::timestamp AT TIME ZONE ${tz}`,
    `r.created_at < (${p(q.period.to)}::date + 1)::timestamp AT TIME ZONE ${tz}`,
  ];
  if (q.surveyIds) where.push(`r.survey_id = ANY(${p(q.surveyIds)}::uuid[])`);
  if (q.scoreFilter) {
    const parts = q.scoreFilter.map((g) => `(r.survey_id = ANY(${p(g.surveyIds)}::uuid[]) AND r.score = ANY(${p(g.scores)}::int[]))`);
    where.push(parts.length ? `(${parts.join(' OR ')})` : 'false');
  }
  if (q.channel) where.push(`r.channel = ${p(q.channel)}`);
  if (q.attribute) where.push(`c.attributes @> jsonb_build_object(${p(q.attribute.key)}::text, ${p(q.attribute.value)}::text)`);
  if (q.hidden) where.push(`r.hidden @> jsonb_build_object(${p(q.hidden.key)}::text, ${p(q.hidden.value)}::text)`);
  if (q.withComment) where.push(`r.comment IS NOT NULL AND r.comment <> ''`);
  if (q.topicId !== undefined) {
    where.push(`tr.topic_id = ${p(q.topicId)}`, `tr.created_at >= ${p(q.period.from)}::timestamp AT TIME ZONE ${tz}`, `tr.created_at < (${p(q.period.to)}::date + 1)::timestamp AT TIME ZONE ${tz}`);
  }
  return { params, p, where };
}
