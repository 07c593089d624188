import crypto from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { Config } from '../../config';
import { DomainError } from '../../domain-error';
import { QUEUES, transactionDb, type WebhookDeliveryJob } from '../../jobs/queue';
import { newWebhookSecret, webhookHeaders } from './webhook-signature';
import { postWebhook, WEBHOOK_TIMEOUT_MS, type AttemptResult } from './webhook-sender';
import { checkWebhookTarget, WebhookTargetError, type Resolver } from './webhook-target';

/** SPEC §7 webhooks: subscriptions, the signed deliveries of events, and a webhook's health. */

export const WEBHOOK_EVENTS = ['response.created', 'response.updated', 'followup.created', 'followup.closed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];
/** The event the "send a test event" button sends; no subscription needed. */
export const TEST_EVENT = 'webhook.test';

export const MAX_WEBHOOKS = 50;

export interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
}

export interface WebhookDeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  responseCode: number | null;
  error: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/** The response as a webhook's payload shows it. */
export interface ResponseSnapshot {
  id: string;
  surveyId: string;
  kind: string;
  score: number;
  group: string;
  comment: string | null;
  channel: string;
  locale: string;
  touchpointKey: string | null;
  stageKey: string | null;
  contactEmail: string | null;
  hidden: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface FollowUpSnapshot {
  id: string;
  status: string;
  assigneeEmail: string | null;
  createdAt: string;
  closedAt: string | null;
}

export interface WebhookEvent {
  type: WebhookEventType | typeof TEST_EVENT;
  /** `evt_…`: the same on every retry and for every webhook that receives the event. */
  id: string;
  timestamp: string;
  data: { response: ResponseSnapshot; followUp?: FollowUpSnapshot };
}

const COLUMNS = `id, url, events, enabled, failing_since AS "failingSince", disabled_at AS "disabledAt",
  disabled_reason AS "disabledReason", created_at AS "createdAt"`;

export const newEventId = () => `evt_${crypto.randomUUID().replace(/-/g, '')}`;

function targetError(err: unknown): never {
  if (err instanceof WebhookTargetError) {
    const key = err.problem === 'private' ? 'webhooks.err.private' : err.problem === 'unresolvable' ? 'webhooks.err.unresolvable' : 'webhooks.err.url';
    throw new DomainError('invalid', err.message, { code: `webhook_url_${err.problem}`, details: [{ path: 'url', message: err.message }], messageKey: key });
  }
  throw err;
}

export interface CreateWebhookInput {
  url: string;
  events: WebhookEventType[];
}

/** Checks the URL (SSRF rules) and saves the webhook; the secret is returned here and never again. */
export async function createWebhook(db: DataSource, config: Pick<Config, 'webhookAllowPrivate'>, input: CreateWebhookInput,
  createdBy: string | null, resolve?: Resolver): Promise<{ webhook: WebhookRow; secret: string }> {
  try {
    await checkWebhookTarget(input.url, { allowPrivate: config.webhookAllowPrivate, resolve });
  } catch (err) {
    targetError(err);
  }
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM webhooks`);
  if (n >= MAX_WEBHOOKS) throw new DomainError('invalid', `At most ${MAX_WEBHOOKS} webhooks`, { messageKey: 'webhooks.err.tooMany', messageVars: { max: MAX_WEBHOOKS } });
  const secret = newWebhookSecret();
  const events = WEBHOOK_EVENTS.filter((e) => input.events.includes(e));
  const [webhook]: WebhookRow[] = await db.query(
    `INSERT INTO webhooks (url, events, secret, created_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [input.url, events, secret, createdBy]);
  return { webhook, secret };
}

export async function listWebhooks(db: DataSource): Promise<WebhookRow[]> {
  return db.query(`SELECT ${COLUMNS} FROM webhooks ORDER BY created_at, id`);
}

export async function getWebhook(db: DataSource, id: string): Promise<WebhookRow> {
  const [row]: WebhookRow[] = await db.query(`SELECT ${COLUMNS} FROM webhooks WHERE id = $1`, [id]);
  if (!row) throw new DomainError('not_found', 'No such webhook');
  return row;
}

export async function deleteWebhook(db: DataSource, id: string): Promise<WebhookRow> {
  const [row]: WebhookRow[] = await db.query(`WITH d AS (DELETE FROM webhooks WHERE id = $1 RETURNING *) SELECT ${COLUMNS} FROM d`, [id]);
  if (!row) throw new DomainError('not_found', 'No such webhook');
  return row;
}

/** Turns a disabled webhook back on (its failure history starts again). */
export async function enableWebhook(db: DataSource, id: string): Promise<WebhookRow> {
  const [row]: WebhookRow[] = await db.query(
    `WITH u AS (UPDATE webhooks SET enabled = true, disabled_at = NULL, disabled_reason = NULL, failing_since = NULL WHERE id = $1 RETURNING *)
     SELECT ${COLUMNS} FROM u`, [id]);
  if (!row) throw new DomainError('not_found', 'No such webhook');
  return row;
}

/** The most recent deliveries of a webhook, newest first. */
export async function listWebhookDeliveries(db: DataSource, webhookId: string, limit = 50): Promise<WebhookDeliveryRow[]> {
  return db.query(
    `SELECT id, event_id AS "eventId", event_type AS "eventType", status, attempts, response_code AS "responseCode", error,
            created_at AS "createdAt", last_attempt_at AS "lastAttemptAt", delivered_at AS "deliveredAt"
     FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [webhookId, limit]);
}

type Tx = QueryRunner;

/** Inserts deliveries (one per webhook and event) and their jobs, in the caller's transaction. */
async function insertDeliveries(boss: PgBoss, qr: Tx, rows: Array<{ webhookId: string; event: WebhookEvent }>): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted: Array<{ id: string }> = await qr.query(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
     ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING id`,
    [rows.map((r) => r.webhookId), rows.map((r) => r.event.id), rows.map((r) => r.event.type), rows.map((r) => JSON.stringify(r.event))]);
  if (inserted.length > 0) {
    const jobs: WebhookDeliveryJob[] = inserted.map((r) => ({ deliveryId: r.id }));
    await boss.insert(jobs.map((data) => ({ name: QUEUES.webhookDelivery, data })), { db: transactionDb(qr) });
  }
  return inserted.length;
}

/** Queues the events for every enabled webhook subscribed to their type (in the caller's transaction). */
export async function queueWebhookEvents(boss: PgBoss, qr: Tx, events: WebhookEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const hooks: Array<{ id: string; events: string[] }> = await qr.query(`SELECT id, events FROM webhooks WHERE enabled`);
  const rows = hooks.flatMap((h) => events.filter((e) => h.events.includes(e.type)).map((event) => ({ webhookId: h.id, event })));
  return insertDeliveries(boss, qr, rows);
}

/** A sample response for the test event: clearly not a real one. */
function sampleResponse(now: Date): ResponseSnapshot {
  return {
    id: '0', surveyId: '00000000-0000-0000-0000-000000000000', kind: 'nps', score: 3, group: 'detractor',
    comment: 'This is a test event from Touchpoint.', channel: 'link', locale: 'en', touchpointKey: null, stageKey: null,
    contactEmail: null, hidden: {}, createdAt: now.toISOString(), updatedAt: now.toISOString(),
  };
}

/** "Send a test event": one delivery of `webhook.test`, through the same queue, signature and retries as any. */
export async function sendTestEvent(db: DataSource, boss: PgBoss, webhookId: string): Promise<void> {
  await getWebhook(db, webhookId);
  const now = new Date();
  const event: WebhookEvent = { type: TEST_EVENT, id: newEventId(), timestamp: now.toISOString(), data: { response: sampleResponse(now) } };
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    await insertDeliveries(boss, qr, [{ webhookId, event }]);
    await qr.commitTransaction();
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

export interface DeliveryOptions {
  /** A webhook failing for this long (every attempt since the first failure) is disabled. */
  disableAfterMs: number;
  timeoutMs: number;
  resolve?: Resolver;
}

export const DEFAULT_WEBHOOK_DELIVERY: DeliveryOptions = { disableAfterMs: 24 * 3_600_000, timeoutMs: WEBHOOK_TIMEOUT_MS };

export interface AttemptOutcome {
  result: 'complete' | 'retry';
  /** Set when this attempt disabled the webhook: the admins are to be told. */
  disabled: { webhookId: string; url: string; reason: string } | null;
}

type Queryable = Pick<DataSource | EntityManager, 'query'>;

async function loadDelivery(db: Queryable, id: string) {
  const [row]: Array<{ id: string; eventId: string; body: string; status: string; webhookId: string; url: string; secret: string; enabled: boolean }> = await db.query(
    `SELECT d.id, d.event_id AS "eventId", d.body, d.status, w.id AS "webhookId", w.url, w.secret, w.enabled
     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, [id]);
  return row ?? null;
}

/**
 * One attempt of one delivery: check the target again, POST the signed body, record the outcome. A
 * failure is retried by the queue (with backoff) until its last attempt; a webhook whose attempts have
 * all failed for `disableAfterMs`, or whose delivery ran out of attempts, is disabled.
 */
export async function attemptWebhookDelivery(db: DataSource, config: Pick<Config, 'webhookAllowPrivate'>, deliveryId: string,
  lastAttempt: boolean, options: DeliveryOptions = DEFAULT_WEBHOOK_DELIVERY): Promise<AttemptOutcome> {
  const delivery = await loadDelivery(db, deliveryId);
  if (!delivery || delivery.status === 'succeeded' || delivery.status === 'failed' || delivery.status === 'cancelled') return { result: 'complete', disabled: null };
  if (!delivery.enabled) {
    await db.query(`UPDATE webhook_deliveries SET status = 'cancelled', error = 'The webhook is disabled', body = '' WHERE id = $1`, [deliveryId]);
    return { result: 'complete', disabled: null };
  }
  let outcome: AttemptResult;
  try {
    const target = await checkWebhookTarget(delivery.url, { allowPrivate: config.webhookAllowPrivate, resolve: options.resolve });
    outcome = await postWebhook(target, webhookHeaders(delivery.secret, delivery.eventId, delivery.body, new Date()), delivery.body, options.timeoutMs);
  } catch (err) {
    outcome = { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
  if (outcome.ok) {
    await db.query(
      `WITH d AS (UPDATE webhook_deliveries SET status = 'succeeded', attempts = attempts + 1, response_code = $2, error = NULL, body = '',
                    last_attempt_at = now(), delivered_at = now() WHERE id = $1 RETURNING webhook_id)
       UPDATE webhooks SET failing_since = NULL WHERE id = (SELECT webhook_id FROM d)`, [deliveryId, outcome.status]);
    return { result: 'complete', disabled: null };
  }
  const [state]: Array<{ failingSince: Date }> = await db.query(
    `WITH d AS (UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, response_code = $2, error = $4, last_attempt_at = now(),
                  body = CASE WHEN $3 = 'failed' THEN '' ELSE body END
                WHERE id = $1 RETURNING webhook_id)
     , w AS (UPDATE webhooks SET failing_since = coalesce(failing_since, now()) WHERE id = (SELECT webhook_id FROM d)
             RETURNING failing_since AS "failingSince")
     SELECT "failingSince" FROM w`,
    [deliveryId, outcome.status, lastAttempt ? 'failed' : 'retrying', outcome.error]);
  const failingFor = state ? Date.now() - new Date(state.failingSince).getTime() : 0;
  if (lastAttempt || failingFor >= options.disableAfterMs) {
    const minutes = Math.round(failingFor / 60_000);
    const span = minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
    const reason = `Every delivery failed for ${span}${lastAttempt ? ', and a delivery ran out of attempts' : ''}; last error: ${outcome.error ?? 'unknown'}`;
    const disabled: Array<{ url: string }> = await db.query(
      `WITH u AS (UPDATE webhooks SET enabled = false, disabled_at = now(), disabled_reason = $2 WHERE id = $1 AND enabled RETURNING url) SELECT url FROM u`,
      [delivery.webhookId, reason]);
    await db.query(`UPDATE webhook_deliveries SET status = 'cancelled', error = 'The webhook was disabled', body = ''
      WHERE webhook_id = $1 AND status IN ('pending', 'retrying') AND id <> $2`, [delivery.webhookId, deliveryId]);
    if (!lastAttempt) await db.query(`UPDATE webhook_deliveries SET status = 'failed', body = '' WHERE id = $1`, [deliveryId]);
    return { result: 'complete', disabled: disabled.length > 0 ? { webhookId: delivery.webhookId, url: disabled[0].url, reason } : null };
  }
  return { result: lastAttempt ? 'complete' : 'retry', disabled: null };
}

/** Who is told that a webhook was disabled: the admins, in their language. */
export async function getWebhookAdmins(db: DataSource): Promise<Array<{ email: string; name: string; locale: 'vi' | 'en' }>> {
  return db.query(`SELECT email, name, locale FROM users WHERE role = 'admin' ORDER BY created_at`);
}

/**
 * A settled delivery keeps its outcome, not its body (the answer's comment and the contact's email are not
 * kept beyond the delivery); settled deliveries are deleted after 30 days.
 */
export async function pruneWebhookDeliveries(db: DataSource): Promise<void> {
  await db.query(`DELETE FROM webhook_deliveries WHERE created_at < now() - interval '30 days' AND status IN ('succeeded', 'failed', 'cancelled')`);
}

/**
 * Erasure reaches the deliveries still waiting to be sent (pending or retrying, up to about a day): they
 * forget the person's address and the link's hidden fields, as the answer itself does. Settled deliveries
 * keep no body at all.
 */
export async function forgetContactInPendingDeliveries(db: DataSource | EntityManager, email: string): Promise<number> {
  const rows: unknown[] = await db.query(
    `UPDATE webhook_deliveries
     SET body = jsonb_set(jsonb_set(body::jsonb, '{data,response,contactEmail}', 'null'), '{data,response,hidden}', '{}')::text
     WHERE status IN ('pending', 'retrying') AND lower(body::jsonb #>> '{data,response,contactEmail}') = lower($1)
     RETURNING 1`, [email]);
  return rows.length;
}
