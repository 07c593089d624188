import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { Role } from '../../src/modules/auth/user.entity';
import { createUser } from '../../src/modules/auth/users.service';
import { newInvitationToken } from '../../src/modules/invitations/invitation-token';
import type { MetricKind } from '../../src/modules/metrics/scoring';
import { recordResponse } from '../../src/modules/responses/response.service';
import type { TestApp } from './app';

/**
 * The named fixtures of the test suite: what a test needs in the database, made the way the product makes
 * it. Journeys, surveys and answers go through the public API (as an integration would make them);
 * contacts and invitations are inserted as an import or the email worker leaves them, in any state or
 * age a test needs; users through the users service. Every option has a default, so a test names only
 * what it is about. Keys and addresses are unique within a test file (each file has its own database).
 */

type Localized = { vi: string; en: string };
/** What the factories that write straight to the database need: a TestApp or a bare test database. */
type WithDb = { db: DataSource };

let seq = 0;
const next = () => ++seq;

function created(res: request.Response, what: string): void {
  if (res.status !== 201) throw new Error(`could not create ${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

const api = (t: TestApp, path: string, body: object) =>
  request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`).send(body);

export interface TouchpointOptions {
  key?: string;
  stageKey?: string;
  name?: Localized;
  channel?: string;
  [field: string]: unknown;
}

/** The API's view of a touchpoint (GET/POST /api/v1/touchpoints). */
export interface ApiTouchpoint {
  key: string;
  stageKey: string;
  name: Localized;
  channel: string;
  [field: string]: unknown;
}

/** A touchpoint created through POST /api/v1/touchpoints; by default a website touchpoint of the decision stage. */
export async function makeTouchpoint(t: TestApp, opts: TouchpointOptions = {}): Promise<ApiTouchpoint> {
  const n = next();
  const res = await api(t, '/touchpoints', { key: `tp-${n}`, stageKey: 'decision', name: { vi: `Điểm chạm ${n}`, en: `Touchpoint ${n}` }, channel: 'website', ...opts });
  created(res, 'a touchpoint');
  return res.body;
}

export interface SurveyOptions {
  kind?: MetricKind;
  title?: string;
  /** Attach the survey to a new touchpoint made with these options first (`{}` for the defaults). */
  touchpoint?: TouchpointOptions;
  touchpointKey?: string;
  stageKey?: string;
  status?: 'draft' | 'active' | 'closed';
  /** Any other field of POST /api/v1/surveys (question, askComment, recontactDays…). */
  [field: string]: unknown;
}

/** The API's view of a survey (GET/POST /api/v1/surveys). */
export interface ApiSurvey {
  id: string;
  kind: MetricKind;
  title: string;
  status: string;
  touchpointKey: string | null;
  stageKey: string | null;
  publicUrl: string;
  qrUrl: string;
  [field: string]: unknown;
}

/**
 * A survey created through POST /api/v1/surveys: an active NPS survey of the whole journey unless told
 * otherwise; with `touchpoint`, attached to a touchpoint made for it.
 */
export async function makeSurvey(t: TestApp, opts: SurveyOptions = {}): Promise<ApiSurvey> {
  const { touchpoint, ...fields } = opts;
  const kind = fields.kind ?? 'nps';
  const touchpointKey = touchpoint ? (await makeTouchpoint(t, touchpoint)).key : undefined;
  const res = await api(t, '/surveys', { kind, title: `${kind} survey ${next()}`, ...(touchpointKey ? { touchpointKey } : {}), ...fields });
  created(res, 'a survey');
  return res.body;
}

export interface AnswerInput {
  score: number;
  comment?: string;
  /** ISO time with offset; the API's default is now. */
  answeredAt?: string;
  [field: string]: unknown;
}

/** One answer through POST /api/v1/surveys/:id/responses; returns the stored response as the API shows it. */
export async function answer(t: TestApp, surveyId: string, input: AnswerInput): Promise<Record<string, unknown> & { id: string }> {
  const res = await api(t, `/surveys/${surveyId}/responses`, input);
  created(res, 'a response');
  return res.body;
}

export type ResponsesOptions =
  /** Through the API, as an integration posts them. */
  | { answeredAt: string; via?: 'api' }
  /** Straight through the responses service (recordResponse): channel api, Vietnamese, no comment. Faster for hundreds. */
  | { answeredAt: string; via: 'service'; kind: MetricKind };

/** One answer per count of the histogram (score → how many), all at `answeredAt` (ISO time with offset). */
export async function makeResponses(t: TestApp, surveyId: string, histogram: Record<number, number>, opts: ResponsesOptions): Promise<void> {
  for (const [score, times] of Object.entries(histogram)) {
    for (let i = 0; i < times; i++) {
      if (opts.via === 'service') {
        await recordResponse(t.db, { surveyId, kind: opts.kind, score: Number(score), comment: null, channel: 'api', locale: 'vi', answeredAt: new Date(opts.answeredAt) });
      } else {
        await answer(t, surveyId, { score: Number(score), answeredAt: opts.answeredAt });
      }
    }
  }
}

export interface ContactOptions {
  name?: string;
  locale?: 'vi' | 'en';
  attributes?: Record<string, unknown>;
  /** ISO time; now by default. */
  createdAt?: string;
  /** Unsubscribed now. */
  unsubscribed?: boolean;
}

/** A contact as an import leaves it (the table's defaults: no name, Vietnamese, no attributes). Returns its id. */
export async function makeContact(t: WithDb, email: string, opts: ContactOptions = {}): Promise<string> {
  const [{ id }] = await t.db.query(
    `INSERT INTO contacts (email, name, locale, attributes, created_at, unsubscribed_at)
     VALUES ($1, coalesce($2, ''), coalesce($3, 'vi'), $4, coalesce($5::timestamptz, now()), CASE WHEN $6 THEN now() END) RETURNING id`,
    [email, opts.name ?? null, opts.locale ?? null, JSON.stringify(opts.attributes ?? {}), opts.createdAt ?? null, opts.unsubscribed ?? false]);
  return id;
}

export interface InvitationOptions {
  /** 'sent' by default. */
  status?: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  /** Made (and, unless still queued or sending, handed to the mail server) this many days ago; may be fractional. */
  daysAgo?: number;
  /** Delivery attempts so far (the table's default: none). */
  attempts?: number;
  token?: string;
  channel?: 'email' | 'link' | 'api';
}

/**
 * An email invitation of a contact as the delivery worker leaves it: by default sent just now. An invitation
 * that left the queue (sent, failed, cancelled) has sent_at = its creation time. Returns its id and token.
 */
export async function makeInvitation(t: WithDb, surveyId: string, contactId: string, opts: InvitationOptions = {}): Promise<{ id: string; token: string }> {
  const status = opts.status ?? 'sent';
  const token = opts.token ?? newInvitationToken();
  const [{ id }] = await t.db.query(
    `INSERT INTO invitations (survey_id, contact_id, token, channel, status, attempts, created_at, sent_at)
     SELECT $1, $2, $3, $4, $5, $6, at, CASE WHEN $5 NOT IN ('queued', 'sending') THEN at END
     FROM (SELECT now() - $7::float8 * interval '1 day' AS at) AS made RETURNING id`,
    [surveyId, contactId, token, opts.channel ?? 'email', status, opts.attempts ?? 0, opts.daysAgo ?? 0]);
  return { id, token };
}

/** A new contact (a made-up address unless `email` is given) and its invitation to the survey: see makeContact and makeInvitation. */
export async function makeInvitedContact(t: WithDb, surveyId: string, opts: ContactOptions & InvitationOptions & { email?: string } = {}):
Promise<{ id: string; token: string; contactId: string; email: string }> {
  const { email = `contact${next()}@example.com`, status, daysAgo, attempts, token, channel, ...contact } = opts;
  const contactId = await makeContact(t, email, contact);
  return { ...(await makeInvitation(t, surveyId, contactId, { status, daysAgo, attempts, token, channel })), contactId, email };
}

/** The password of every user the factories make. */
export const TEST_PASSWORD = 'a long test password';

let userSeq = 0;

/** A dashboard user made through the users service (its defaults for what is not given). Returns its email. */
export async function makeUser(t: WithDb, role: Role, opts: { email?: string; name?: string; locale?: 'vi' | 'en'; password?: string } = {}): Promise<string> {
  const email = opts.email ?? `${role}${++userSeq}-${process.pid}@example.com`;
  await createUser(t.db, { email, password: opts.password ?? TEST_PASSWORD, role, name: opts.name, locale: opts.locale });
  return email;
}
