import type PgBoss from 'pg-boss';
import type { DataSource, QueryRunner } from 'typeorm';
import type { Locale } from '../../i18n';
import { QUEUES, transactionDb, type AlertEmailJob } from '../../jobs/queue';
import { isDetractor, scoreGroup, type MetricKind } from '../metrics/scoring';
import { newEventId, queueWebhookEvents, type FollowUpSnapshot, type ResponseSnapshot, type WebhookEvent, type WebhookEventType } from '../webhooks';

/**
 * The closed loop's dispatcher (SPEC §6 alerts, §7 webhooks). Triggers on `responses` and `follow_ups`
 * write bare events into `event_outbox` in the writer's transaction; here they are taken in batches
 * (FOR UPDATE SKIP LOCKED: two instances never take the same event, and a batch is deleted in the
 * transaction that turns it into alert items and webhook deliveries, so each event is handled once),
 * with the details read now. Alert items wait a few seconds (a burst's first answers share an email) and
 * then go out as one email per recipient, at most one every `windowSeconds`.
 */

interface OutboxRow {
  id: string;
  type: 'response.created' | 'response.updated' | 'followup.created' | 'followup.closed' | 'followup.assigned';
  response_id: string | null;
  follow_up_id: string | null;
  old_score: number | null;
  user_id: string | null;
  created_at: Date;
}

interface ResponseDetail {
  id: string;
  surveyId: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  channel: string;
  locale: string;
  hidden: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  touchpointKey: string | null;
  stageKey: string | null;
  contactEmail: string | null;
  ownerId: string | null;
  ownerEmail: string | null;
  ownerLocale: Locale | null;
  ownerAlerts: boolean | null;
  followUpId: string | null;
  followUpStatus: string | null;
  followUpCreatedAt: Date | null;
  followUpClosedAt: Date | null;
  assigneeEmail: string | null;
}

const DETAILS = `
  SELECT r.id::text, r.survey_id AS "surveyId", s.kind, r.score, r.comment, r.channel, r.locale, r.hidden,
         r.created_at AS "createdAt", r.updated_at AS "updatedAt",
         tp.key AS "touchpointKey", coalesce(st.key, tps.key) AS "stageKey", c.email AS "contactEmail",
         o.id AS "ownerId", o.email AS "ownerEmail", o.locale AS "ownerLocale", o.alert_emails AS "ownerAlerts",
         f.id::text AS "followUpId", f.status AS "followUpStatus", f.created_at AS "followUpCreatedAt", f.closed_at AS "followUpClosedAt",
         a.email AS "assigneeEmail"
  FROM responses r
  JOIN surveys s ON s.id = r.survey_id
  LEFT JOIN touchpoints tp ON tp.id = s.touchpoint_id
  LEFT JOIN stages tps ON tps.id = tp.stage_id
  LEFT JOIN stages st ON st.id = s.stage_id
  LEFT JOIN users o ON o.id = tp.owner_user_id
  LEFT JOIN contacts c ON c.id = r.contact_id
  LEFT JOIN follow_ups f ON f.response_id = r.id
  LEFT JOIN users a ON a.id = f.assignee_user_id
  WHERE r.id = ANY($1::bigint[])`;

function responseSnapshot(d: ResponseDetail): ResponseSnapshot {
  return {
    id: d.id, surveyId: d.surveyId, kind: d.kind, score: d.score, group: scoreGroup(d.kind, d.score), comment: d.comment,
    channel: d.channel, locale: d.locale, touchpointKey: d.touchpointKey, stageKey: d.stageKey, contactEmail: d.contactEmail,
    hidden: d.hidden ?? {}, createdAt: new Date(d.createdAt).toISOString(), updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

function followUpSnapshot(d: ResponseDetail): FollowUpSnapshot | undefined {
  if (!d.followUpId) return undefined;
  return {
    id: d.followUpId, status: d.followUpStatus ?? 'open', assigneeEmail: d.assigneeEmail,
    createdAt: new Date(d.followUpCreatedAt!).toISOString(), closedAt: d.followUpClosedAt ? new Date(d.followUpClosedAt).toISOString() : null,
  };
}

interface AlertItem { recipient: string; userId: string | null; locale: Locale; kind: 'detractor' | 'assigned'; responseId: string }

/** Answers older than this when their event is handled (history brought in from another tool) alert nobody. */
const ALERT_MAX_AGE_MS = 24 * 3_600_000;

/** Where a detractor alert goes when the touchpoint has no owner: the Settings addresses, else the admins who want alerts. */
async function fallbackRecipients(qr: QueryRunner): Promise<Array<{ recipient: string; userId: string | null; locale: Locale }>> {
  const [settings]: Array<{ alert_recipients: string[]; default_locale: Locale }> = await qr.query(`SELECT alert_recipients, default_locale FROM settings WHERE id = 1`);
  if (settings.alert_recipients.length > 0) {
    // An address that is a user's gets their language (and their switch); any other the organisation's language.
    const users: Array<{ id: string; email: string; locale: Locale; alert_emails: boolean }> = await qr.query(
      `SELECT id, email, locale, alert_emails FROM users WHERE lower(email) = ANY($1::text[])`, [settings.alert_recipients.map((e) => e.toLowerCase())]);
    const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u]));
    return settings.alert_recipients.flatMap((address) => {
      const user = byEmail.get(address.toLowerCase());
      if (user && !user.alert_emails) return [];
      return [{ recipient: address, userId: user?.id ?? null, locale: user?.locale ?? settings.default_locale }];
    });
  }
  const admins: Array<{ id: string; email: string; locale: Locale }> = await qr.query(
    `SELECT id, email, locale FROM users WHERE role = 'admin' AND alert_emails ORDER BY created_at`);
  return admins.map((a) => ({ recipient: a.email, userId: a.id, locale: a.locale }));
}

/**
 * Takes up to `batchSize` events from the outbox and turns them, in one transaction, into alert items and
 * webhook deliveries (with their jobs). Returns how many events were taken.
 */
export async function dispatchEvents(db: DataSource, boss: PgBoss, batchSize = 500): Promise<number> {
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const events: OutboxRow[] = await qr.query(
      `WITH taken AS (
         DELETE FROM event_outbox WHERE id IN (SELECT id FROM event_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, type, response_id, follow_up_id, old_score, user_id, created_at)
       SELECT id::text, type, response_id::text, follow_up_id::text, old_score, user_id, created_at FROM taken`, [batchSize]);
    if (events.length === 0) {
      await qr.commitTransaction();
      return 0;
    }
    events.sort((a, b) => Number(a.id) - Number(b.id));
    const responseIds = [...new Set(events.map((e) => e.response_id).filter((id): id is string => id !== null))];
    const details = new Map<string, ResponseDetail>(
      (responseIds.length > 0 ? (await qr.query(DETAILS, [responseIds]) as ResponseDetail[]) : []).map((d) => [d.id, d]));

    const items: AlertItem[] = [];
    const hooks: WebhookEvent[] = [];
    let fallback: Awaited<ReturnType<typeof fallbackRecipients>> | null = null;
    for (const e of events) {
      const d = e.response_id ? details.get(e.response_id) : undefined;
      // The answer (or the whole survey) was deleted since: nothing left to tell.
      if (!d) continue;
      const timestamp = new Date(e.created_at).toISOString();
      if (e.type !== 'followup.assigned') {
        const type: WebhookEventType = e.type;
        const data: WebhookEvent['data'] = { response: responseSnapshot(d) };
        if (type.startsWith('followup.')) data.followUp = followUpSnapshot(d);
        hooks.push({ type, id: newEventId(), timestamp, data });
      }
      const fresh = Date.now() - new Date(d.createdAt).getTime() < ALERT_MAX_AGE_MS;
      const newDetractor = isDetractor(d.kind, d.score)
        && (e.type === 'response.created' || (e.type === 'response.updated' && (e.old_score === null || !isDetractor(d.kind, e.old_score))));
      if (newDetractor && fresh) {
        if (d.ownerId) {
          if (d.ownerAlerts) items.push({ recipient: d.ownerEmail!, userId: d.ownerId, locale: d.ownerLocale!, kind: 'detractor', responseId: d.id });
        } else {
          fallback ??= await fallbackRecipients(qr);
          for (const r of fallback) items.push({ ...r, kind: 'detractor', responseId: d.id });
        }
      }
    }
    // Assignments last: whoever this batch already alerts about an answer is not told again that it is theirs.
    for (const e of events) {
      const d = e.response_id ? details.get(e.response_id) : undefined;
      if (d && e.type === 'followup.assigned' && e.user_id) {
        const [user]: Array<{ email: string; locale: Locale; alert_emails: boolean }> = await qr.query(
          `SELECT email, locale, alert_emails FROM users WHERE id = $1`, [e.user_id]);
        const told = items.some((i) => i.userId === e.user_id && i.responseId === d.id)
          || (await qr.query(`SELECT 1 FROM alert_items WHERE user_id = $1 AND response_id = $2 AND kind = 'detractor' LIMIT 1`, [e.user_id, d.id])).length > 0;
        if (user && user.alert_emails && !told) items.push({ recipient: user.email, userId: e.user_id, locale: user.locale, kind: 'assigned', responseId: d.id });
      }
    }
    if (items.length > 0) {
      await qr.query(
        `INSERT INTO alert_items (recipient, user_id, locale, kind, response_id)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::bigint[])
         ON CONFLICT (response_id, lower(recipient), kind) DO NOTHING`,
        [items.map((i) => i.recipient), items.map((i) => i.userId), items.map((i) => i.locale), items.map((i) => i.kind), items.map((i) => i.responseId)]);
    }
    await queueWebhookEvents(boss, qr, hooks);
    await qr.commitTransaction();
    return events.length;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

export interface GroupingOptions {
  /** An item waits this long before it is sent, so the first answers of a burst share an email. */
  gatherSeconds: number;
  /** At most one alert email per recipient in this many seconds; what arrives meanwhile waits for the next. */
  windowSeconds: number;
}

export const DEFAULT_GROUPING: GroupingOptions = { gatherSeconds: 10, windowSeconds: 300 };

/**
 * Groups the pending alert items that are due into one email per recipient and queues it. A recipient is
 * due when their oldest pending item has waited `gatherSeconds` and their last alert email is older than
 * `windowSeconds`. A transaction-scoped advisory lock per recipient keeps two instances from both sending.
 * Returns how many emails were queued.
 */
export async function queueDueAlertEmails(db: DataSource, boss: PgBoss, opts: GroupingOptions = DEFAULT_GROUPING): Promise<number> {
  const due: Array<{ r: string }> = await db.query(
    `SELECT p.r FROM (SELECT lower(recipient) AS r, min(created_at) AS first FROM alert_items WHERE email_id IS NULL GROUP BY 1) p
     WHERE p.first <= now() - make_interval(secs => $1)
       AND NOT EXISTS (SELECT 1 FROM alert_emails e WHERE lower(e.recipient) = p.r AND e.created_at > now() - make_interval(secs => $2))
     LIMIT 500`, [opts.gatherSeconds, opts.windowSeconds]);
  let queued = 0;
  for (const { r } of due) {
    const qr = db.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_xact_lock(hashtext('alert-email:' || $1)) AS locked`, [r]);
      const [{ recent }] = locked
        ? await qr.query(`SELECT EXISTS (SELECT 1 FROM alert_emails WHERE lower(recipient) = $1 AND created_at > now() - make_interval(secs => $2)) AS recent`, [r, opts.windowSeconds])
        : [{ recent: true }];
      const items: Array<{ id: string; recipient: string; locale: Locale }> = recent ? [] : await qr.query(
        `SELECT id, recipient, locale FROM alert_items WHERE email_id IS NULL AND lower(recipient) = $1 ORDER BY id FOR UPDATE SKIP LOCKED`, [r]);
      if (items.length === 0) {
        await qr.commitTransaction();
        continue;
      }
      const [{ id }] = await qr.query(`INSERT INTO alert_emails (recipient, locale) VALUES ($1, $2) RETURNING id`, [items[0].recipient, items[0].locale]);
      await qr.query(`UPDATE alert_items SET email_id = $1 WHERE id = ANY($2::bigint[])`, [id, items.map((i) => i.id)]);
      const job: AlertEmailJob = { emailId: id };
      await boss.send(QUEUES.alertEmail, job, { db: transactionDb(qr) });
      await qr.commitTransaction();
      queued++;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      throw err;
    } finally {
      await qr.release();
    }
  }
  return queued;
}

export interface AlertEmailItem {
  kind: 'detractor' | 'assigned';
  responseId: string;
  surveyKind: MetricKind;
  score: number;
  comment: string | null;
  touchpointVi: string | null;
  touchpointEn: string | null;
  stageVi: string | null;
  stageEn: string | null;
  surveyTitle: string;
  contactEmail: string | null;
  contactName: string | null;
  followUpId: string | null;
  answeredAt: Date;
}

export interface AlertEmailData {
  id: string;
  recipient: string;
  locale: Locale;
  status: 'queued' | 'sent' | 'failed';
  brand: string;
  timeZone: string;
  items: AlertEmailItem[];
}

/** One queued alert email with what it tells (answers deleted since are left out). Null when it does not exist. */
export async function getAlertEmail(db: DataSource, emailId: string): Promise<AlertEmailData | null> {
  const [email]: Array<{ id: string; recipient: string; locale: Locale; status: AlertEmailData['status']; brand: string; timeZone: string }> = await db.query(
    `SELECT e.id, e.recipient, e.locale, e.status, g.brand, g.time_zone AS "timeZone" FROM alert_emails e CROSS JOIN settings g WHERE e.id = $1`, [emailId]);
  if (!email) return null;
  const items: AlertEmailItem[] = await db.query(
    `SELECT DISTINCT ON (i.response_id, i.kind) i.kind, r.id::text AS "responseId", s.kind AS "surveyKind", r.score, r.comment,
            tp.name_vi AS "touchpointVi", tp.name_en AS "touchpointEn", coalesce(st.name_vi, tps.name_vi) AS "stageVi",
            coalesce(st.name_en, tps.name_en) AS "stageEn", s.title AS "surveyTitle",
            c.email AS "contactEmail", nullif(c.name, '') AS "contactName", f.id::text AS "followUpId", r.created_at AS "answeredAt"
     FROM alert_items i
     JOIN responses r ON r.id = i.response_id
     JOIN surveys s ON s.id = r.survey_id
     LEFT JOIN touchpoints tp ON tp.id = s.touchpoint_id
     LEFT JOIN stages tps ON tps.id = tp.stage_id
     LEFT JOIN stages st ON st.id = s.stage_id
     LEFT JOIN contacts c ON c.id = r.contact_id
     LEFT JOIN follow_ups f ON f.response_id = r.id
     WHERE i.email_id = $1
     ORDER BY i.response_id, i.kind`, [emailId]);
  items.sort((a, b) => new Date(a.answeredAt).getTime() - new Date(b.answeredAt).getTime());
  return { ...email, items };
}

export async function settleAlertEmail(db: DataSource, emailId: string, outcome: { status: 'sent' } | { status: 'failed'; error: string }): Promise<void> {
  if (outcome.status === 'sent') await db.query(`UPDATE alert_emails SET status = 'sent', sent_at = now(), error = NULL WHERE id = $1`, [emailId]);
  else await db.query(`UPDATE alert_emails SET status = 'failed', error = $2 WHERE id = $1`, [emailId, outcome.error]);
}

/** Alert emails (with their items) are kept 30 days: the grouping window needs only the last few minutes. */
export async function pruneAlertHistory(db: DataSource): Promise<void> {
  await db.query(`DELETE FROM alert_emails WHERE created_at < now() - interval '30 days'`);
}

const OUTBOX_TRIGGERS: Array<[table: string, trigger: string]> = [
  ['responses', 'responses_outbox_insert'], ['responses', 'responses_outbox_update'],
  ['follow_ups', 'follow_ups_outbox_insert'], ['follow_ups', 'follow_ups_outbox_update'],
];

/**
 * Switches the event capture off for a bulk load of history (the demo seed, the bench): answers loaded in
 * bulk are not news, and millions of outbox rows would only be read and thrown away by the dispatcher.
 */
export async function setEventCapture(db: DataSource, enabled: boolean): Promise<void> {
  for (const [table, trigger] of OUTBOX_TRIGGERS) await db.query(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
}
