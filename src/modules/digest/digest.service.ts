import crypto from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import type { Locale } from '../../i18n';
import { JOB_SCHEMA, transactionDb, wakeLocalWorkers } from '../../jobs/queue';
import { addDays, daysBetween, weekStart } from '../../time';
import { formatterFor } from '../../web/format';
import type { DigestFrequency as UserDigestChoice } from '../auth/user.entity';
import {
  getHistogramRows, getJourneyCatalog, getResponseRate, SCALES, scoreGroup,
  type Bucket, type Histogram, type MetricKind, type ScoreGroup,
} from '../metrics';
import { getSettings, type Settings } from '../settings';
import { countAtRisk } from '../analytics';
import { renderDigestContent, type DigestContent } from './digest.email';
import { dueDigests, type DigestPeriod } from './digest.period';
import { getThemesThatGrew } from '../themes';
import { buildReport, KINDS, type DigestFigures, type DigestReport, type HistogramPair } from './digest.report';
import type { Audience } from './digest.view';
import { getDigestRecipients, type DigestRecipient } from './queries/getDigestRecipients';
import { getFollowUpHealth } from './queries/getFollowUpHealth';
import { getRecentVerbatims, type ScoresByKind } from './queries/getRecentVerbatims';

/**
 * The digest's one service: reading a period's figures (rollups through the metrics module), dispatching a
 * period's digest exactly once, the delivery bookkeeping of the email worker, and each recipient's choice
 * (frequency, unsubscribe). The scheduler, the CLI, the dashboard pages and the unsubscribe page all call it.
 */

export const DIGEST_QUEUES = {
  /** Scheduled every few minutes: dispatches the digests whose time has come. */
  schedule: 'digest-schedule',
  /** One job per recipient's email. */
  email: 'digest-email',
} as const;

export interface DigestEmailJob { deliveryId: string }

/** Weeks the trend shows, the period's own week last. */
export const TREND_WEEKS = 12;
/** Verbatims in a digest. */
export const VERBATIMS = 5;

// ── Reading a period ─────────────────────────────────────────────────────────────────────────────────

function scoresOf(groups: ScoreGroup[]): ScoresByKind {
  const out = { nps: [], csat: [], ces: [] } as ScoresByKind;
  for (const kind of KINDS) {
    for (let v = SCALES[kind].min; v <= SCALES[kind].max; v++) if (groups.includes(scoreGroup(kind, v))) out[kind].push(v);
  }
  return out;
}

function add(map: Map<string, Histogram>, key: string, score: number, n: number): void {
  const h = map.get(key) ?? {};
  h[score] = (h[score] ?? 0) + n;
  map.set(key, h);
}

/**
 * Everything a digest shows for a period, in a handful of reads whose cost does not grow with the number of
 * responses: the journey (tens of rows), one read of the score rollups for the period, the previous period
 * and the twelve trend weeks, follow-up counts, two short index scans for verbatims and the response rates.
 */
export async function getDigestFigures(db: DataSource, period: DigestPeriod, settings?: Settings): Promise<DigestFigures> {
  const s = settings ?? await getSettings(db);
  const tz = s.timeZone;
  const lastMonday = weekStart(period.to);
  const trendWeeks = Array.from({ length: TREND_WEEKS }, (_, i) => addDays(lastMonday, -7 * (TREND_WEEKS - 1 - i)));
  const buckets: Bucket[] = [
    { key: 'current', from: period.from, to: period.to },
    { key: 'previous', from: period.previous.from, to: period.previous.to },
    // The last week stops at the period's end: a daily digest does not count the days after it.
    ...trendWeeks.map((monday) => ({ key: monday, from: monday, to: daysBetween(addDays(monday, 6), period.to) < 0 ? period.to : addDays(monday, 6) })),
  ];
  const [catalog, rows, followUps, detractorComments, atRisk] = await Promise.all([
    getJourneyCatalog(db),
    getHistogramRows(db, { buckets }),
    getFollowUpHealth(db, { period, timeZone: tz }),
    getRecentVerbatims(db, { period, timeZone: tz, scores: scoresOf(['detractor']), limit: VERBATIMS }),
    countAtRisk(db),
  ]);
  const surveyIds = catalog.surveys.map((x) => x.id);
  const [otherComments, rateNow, ratePrevious, grew] = await Promise.all([
    getRecentVerbatims(db, { period, timeZone: tz, scores: scoresOf(['passive', 'promoter']), limit: VERBATIMS - detractorComments.length }),
    getResponseRate(db, { surveyIds, period, timeZone: tz }),
    getResponseRate(db, { surveyIds, period: period.previous, timeZone: tz }),
    // Themes are counted per week: a daily digest has no week of its own to compare.
    period.frequency === 'weekly' ? getThemesThatGrew(db, period) : Promise.resolve([]),
  ]);

  // Pool each survey's counts into the whole journey, its stage and its touchpoint, per metric.
  const surveys = new Map(catalog.surveys.map((x) => [x.id, x]));
  const pooled = new Map<string, Histogram>();
  for (const row of rows) {
    const survey = surveys.get(row.group);
    if (!survey) continue;
    add(pooled, `${row.bucket}|all|${survey.kind}`, row.score, row.n);
    if (survey.stageId !== null) add(pooled, `${row.bucket}|stage:${survey.stageId}|${survey.kind}`, row.score, row.n);
    if (survey.touchpointId !== null) add(pooled, `${row.bucket}|tp:${survey.touchpointId}|${survey.kind}`, row.score, row.n);
  }
  const pair = (scope: string, kind: MetricKind): HistogramPair => ({
    current: pooled.get(`current|${scope}|${kind}`) ?? {},
    previous: pooled.get(`previous|${scope}|${kind}`) ?? {},
  });
  const kindsWhere = (match: (x: { stageId: number | null; touchpointId: number | null }) => boolean) =>
    KINDS.filter((kind) => catalog.surveys.some((x) => x.kind === kind && match(x)));
  const scoresFor = (scope: string, kinds: MetricKind[]) => Object.fromEntries(kinds.map((kind) => [kind, pair(scope, kind)])) as Partial<Record<MetricKind, HistogramPair>>;
  const stageNames = new Map(catalog.stages.map((x) => [x.id, x.names]));
  const kinds = kindsWhere(() => true);

  return {
    period,
    brand: s.brand,
    kinds,
    overall: Object.fromEntries(KINDS.map((kind) => [kind, pair('all', kind)])) as Record<MetricKind, HistogramPair>,
    stages: catalog.stages.map((st) => ({ key: st.key, names: st.names, scores: scoresFor(`stage:${st.id}`, kindsWhere((x) => x.stageId === st.id)) })),
    touchpoints: catalog.touchpoints
      .map((tp) => ({ tp, kinds: kindsWhere((x) => x.touchpointId === tp.id) }))
      .filter(({ kinds: k }) => k.length > 0)
      .map(({ tp, kinds: k }) => ({ key: tp.key, names: tp.names, stage: stageNames.get(tp.stageId) ?? tp.names, scores: scoresFor(`tp:${tp.id}`, k) })),
    trendWeeks,
    trend: Object.fromEntries(KINDS.map((kind) => [kind, trendWeeks.map((monday) => pooled.get(`${monday}|all|${kind}`) ?? {})])) as Record<MetricKind, Histogram[]>,
    followUps,
    atRisk,
    verbatims: [...detractorComments, ...otherComments],
    responseRate: { current: rateNow, previous: ratePrevious },
    themesThatGrew: grew.map((x) => ({ phrase: x.phrase, language: x.language, count: x.count, share: x.share, previousShare: x.previousShare, example: x.examples[0]?.comment ?? null })),
  };
}

export interface BuiltDigest { figures: DigestFigures; report: DigestReport; settings: Settings }

/** A period's figures and the report scored from them: the part of a digest that does not depend on a language. */
export async function buildDigest(db: DataSource, period: DigestPeriod): Promise<BuiltDigest> {
  const settings = await getSettings(db);
  const figures = await getDigestFigures(db, period, settings);
  return { figures, report: buildReport(figures), settings };
}

/** The digest as one reader would get it, for previews: nothing is stored, queued or marked. */
export async function previewDigest(db: DataSource, config: Config, q: { period: DigestPeriod; locale: Locale; now?: Date; chartSrc?: (png: Buffer) => string }): Promise<DigestContent> {
  const { figures, report, settings } = await buildDigest(db, q.period);
  return renderDigestContent(figures, report, formatterFor(q.locale, settings.timeZone), { baseUrl: config.baseUrl, now: q.now ?? new Date(), chartSrc: q.chartSrc });
}

// ── Dispatching a period, once ───────────────────────────────────────────────────────────────────────

export interface DispatchDeps { db: DataSource; config: Config; boss: PgBoss }

export interface DispatchOutcome {
  period: DigestPeriod;
  /** queued: emails queued now; already: dispatched before (nothing done); skipped_empty: no answers and the setting says so. */
  status: 'queued' | 'already' | 'skipped_empty' | 'no_recipients';
  /** Emails queued by this call. */
  queued: number;
  /** Time to read the figures and write the content in every language needed. */
  buildMs: number;
}

const JOBS_PER_INSERT = 5000;

function newToken(): string {
  return crypto.randomBytes(16).toString('base64url');
}

/**
 * Dispatches a period's digest: builds the content once per language, then — in one transaction with the
 * content — inserts one delivery per recipient, keyed (period, recipient address), and its email job. The
 * run is serialized per period with an advisory lock and recorded, so however many instances, re-runs and
 * restarts ask for the same period, its recipients are claimed once and only the first call sends.
 */
export async function dispatchDigest(deps: DispatchDeps, period: DigestPeriod, now = new Date()): Promise<DispatchOutcome> {
  const { db, config, boss } = deps;
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    await qr.query(`SELECT pg_advisory_xact_lock(hashtext('touchpoint.digest'), hashtext($1))`, [period.key]);
    const done = await qr.query(`SELECT 1 FROM digest_runs WHERE period_key = $1`, [period.key]);
    if (done.length > 0) {
      await qr.commitTransaction();
      return { period, status: 'already', queued: 0, buildMs: 0 };
    }
    const recipients = await getDigestRecipients(db, period.frequency);
    if (recipients.length === 0) {
      // Nothing recorded: someone who chooses this frequency later in the day still gets it.
      await qr.commitTransaction();
      return { period, status: 'no_recipients', queued: 0, buildMs: 0 };
    }
    const started = performance.now();
    const { figures, report, settings } = await buildDigest(db, period);
    if (report.responses === 0 && settings.digestSkipEmpty) {
      await qr.query(`INSERT INTO digest_runs (period_key, frequency, period_from, period_to, outcome) VALUES ($1, $2, $3, $4, 'skipped_empty')`,
        [period.key, period.frequency, period.from, period.to]);
      await qr.commitTransaction();
      return { period, status: 'skipped_empty', queued: 0, buildMs: Math.round(performance.now() - started) };
    }
    const locales = [...new Set(recipients.map((r) => r.locale))];
    const contents = locales.map((locale) => renderDigestContent(figures, report, formatterFor(locale, settings.timeZone), { baseUrl: config.baseUrl, now }));
    const buildMs = Math.round(performance.now() - started);
    await qr.query(`INSERT INTO digest_runs (period_key, frequency, period_from, period_to, outcome, recipients, build_ms) VALUES ($1, $2, $3, $4, 'queued', $5, $6)`,
      [period.key, period.frequency, period.from, period.to, recipients.length, buildMs]);
    for (const c of contents) {
      for (const audience of ['user', 'extra'] as const) {
        // The chart is the same for both audiences: stored once, with the users' row.
        await qr.query(`INSERT INTO digest_contents (period_key, locale, audience, subject, html, text, chart_png) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [period.key, c.locale, audience, c.subject, c.html[audience], c.text[audience], audience === 'user' ? c.chartPng : null]);
      }
    }
    const ids = await insertDeliveries(qr, period.key, recipients);
    for (let i = 0; i < ids.length; i += JOBS_PER_INSERT) {
      await boss.insert(ids.slice(i, i + JOBS_PER_INSERT).map((deliveryId) => ({ name: DIGEST_QUEUES.email, data: { deliveryId } satisfies DigestEmailJob })), { db: transactionDb(qr) });
    }
    await qr.commitTransaction();
    wakeLocalWorkers();
    return { period, status: 'queued', queued: ids.length, buildMs };
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

async function insertDeliveries(qr: { query(sql: string, params: unknown[]): Promise<Array<{ id: string }>> }, periodKey: string, recipients: DigestRecipient[]): Promise<string[]> {
  const rows = await qr.query(
    `INSERT INTO digest_deliveries (period_key, recipient, email, kind, user_id, locale, token)
     SELECT $1, x.recipient, x.email, x.kind, x.user_id, x.locale, x.token
     FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[]) AS x(recipient, email, kind, user_id, locale, token)
     ON CONFLICT (period_key, recipient) DO NOTHING
     RETURNING id`,
    [periodKey, recipients.map((r) => r.recipient), recipients.map((r) => r.email), recipients.map((r) => r.kind),
      recipients.map((r) => r.userId), recipients.map((r) => r.locale), recipients.map(() => newToken())],
  );
  return rows.map((r) => r.id);
}

/**
 * A period's content is needed until its emails are out (retries end within hours); deliveries stay, since
 * their tokens are the unsubscribe links of emails people keep.
 */
export const CONTENT_KEPT_DAYS = 30;

/** The scheduler's tick: dispatches every digest whose time has come (see dueDigests()), and drops old content. */
export async function dispatchDueDigests(deps: DispatchDeps, now = new Date()): Promise<DispatchOutcome[]> {
  await deps.db.query(
    `DELETE FROM digest_contents WHERE period_key IN (SELECT period_key FROM digest_runs WHERE created_at < now() - make_interval(days => $1))`,
    [CONTENT_KEPT_DAYS]);
  const s = await getSettings(deps.db);
  const out: DispatchOutcome[] = [];
  for (const due of dueDigests(now, { timeZone: s.timeZone, weekday: s.digestWeekday, hour: s.digestHour })) {
    out.push(await dispatchDigest(deps, due.period, now));
  }
  return out;
}

// ── Delivery bookkeeping (the email worker) ──────────────────────────────────────────────────────────

export interface ClaimedDigestMail {
  deliveryId: string;
  /** This claim's id: the worker sends only while it is still the delivery's (see holdDigestClaim). */
  claim: string;
  periodKey: string;
  email: string;
  audience: Audience;
  locale: Locale;
  token: string;
  /** Why the email must not go out any more (the user chose "off", the address left Settings), or null. */
  cancelReason: string | null;
}

/**
 * Takes deliveries for sending: only those still queued, or whose claim expired (their worker died). A
 * duplicate job or a second worker finds nothing to take, so one worker at a time sends a delivery.
 */
export async function claimDigestDeliveries(db: DataSource, ids: string[], leaseSeconds: number): Promise<ClaimedDigestMail[]> {
  if (ids.length === 0) return [];
  return db.query(
    `WITH c AS (
       UPDATE digest_deliveries d
       SET status = 'sending', claim = gen_random_uuid(), claimed_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
       WHERE d.id = ANY($1::uuid[]) AND (d.status = 'queued' OR (d.status = 'sending' AND d.claimed_until < now()))
       RETURNING d.id, d.claim, d.period_key, d.email, d.kind, d.user_id, d.locale, d.token, d.recipient
     )
     SELECT c.id AS "deliveryId", c.claim, c.period_key AS "periodKey", c.email, c.kind AS audience, c.locale, c.token,
            CASE WHEN c.kind = 'user' AND (u.id IS NULL OR u.digest_frequency = 'off') THEN 'The user no longer receives the digest'
                 WHEN c.kind = 'extra' AND NOT EXISTS (SELECT 1 FROM settings g, unnest(g.digest_recipients) AS x(email) WHERE lower(x.email) = c.recipient)
                   THEN 'The address was removed from the digest recipients'
            END AS "cancelReason"
     FROM c LEFT JOIN users u ON u.id = c.user_id`,
    [ids, leaseSeconds],
  );
}

/** Extends the leases of claims still held (a batch waiting its turn, a slow server). */
export async function renewDigestClaims(db: DataSource, claims: string[], leaseSeconds: number): Promise<void> {
  if (claims.length === 0) return;
  await db.query(`UPDATE digest_deliveries SET claimed_until = now() + make_interval(secs => $2) WHERE claim = ANY($1::uuid[]) AND status = 'sending'`, [claims, leaseSeconds]);
}

/**
 * Right before the SMTP conversation: true when the claim is still this worker's (renewing its lease). A
 * worker that stalled past its lease, while another took the delivery over, finds false and sends nothing.
 */
export async function holdDigestClaim(db: DataSource, mail: Pick<ClaimedDigestMail, 'deliveryId' | 'claim'>, leaseSeconds: number): Promise<boolean> {
  const rows = await db.query(
    `WITH h AS (UPDATE digest_deliveries SET claimed_until = now() + make_interval(secs => $3) WHERE id = $1 AND claim = $2 AND status = 'sending' RETURNING id)
     SELECT id FROM h`, [mail.deliveryId, mail.claim, leaseSeconds]);
  return rows.length > 0;
}

/**
 * Outcomes of a claimed delivery: sent (recorded whoever holds it: the server has the message), or —
 * only while the claim is still this worker's — failed for good, cancelled, or back in the queue for a retry.
 */
export async function settleDigestDelivery(db: DataSource, mail: Pick<ClaimedDigestMail, 'deliveryId' | 'claim'>, outcome: { status: 'sent' } | { status: 'failed' | 'cancelled' | 'queued'; error: string }): Promise<void> {
  if (outcome.status === 'sent') {
    await db.query(`UPDATE digest_deliveries SET status = 'sent', sent_at = coalesce(sent_at, now()), claimed_until = NULL, error = NULL WHERE id = $1`, [mail.deliveryId]);
  } else {
    await db.query(`UPDATE digest_deliveries SET status = $3, claimed_until = NULL, error = $4 WHERE id = $1 AND claim = $2 AND status = 'sending'`,
      [mail.deliveryId, mail.claim, outcome.status, outcome.error]);
  }
}

/** The stored content of a period in one language (both audiences), as dispatch wrote it. */
export async function getDigestContent(db: DataSource, periodKey: string, locale: Locale): Promise<Pick<DigestContent, 'subject' | 'html' | 'text' | 'chartPng'>> {
  const rows: Array<{ audience: Audience; subject: string; html: string; text: string; chartPng: Buffer | null }> = await db.query(
    `SELECT audience, subject, html, text, chart_png AS "chartPng" FROM digest_contents WHERE period_key = $1 AND locale = $2`, [periodKey, locale]);
  const user = rows.find((r) => r.audience === 'user');
  const extra = rows.find((r) => r.audience === 'extra');
  if (!user || !extra) throw new Error(`No digest content for ${periodKey} in ${locale}`);
  return { subject: user.subject, html: { user: user.html, extra: extra.html }, text: { user: user.text, extra: extra.text }, chartPng: user.chartPng };
}

/**
 * Claims whose lease ran out belong to a worker that died mid-send: their deliveries go back to the queue
 * with a new job, in one transaction. Safe to run anywhere, any time, concurrently.
 */
export async function recoverExpiredDigestClaims(db: DataSource, boss: PgBoss): Promise<number> {
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const rows: Array<{ id: string }> = await qr.query(
      `WITH expired AS (
         UPDATE digest_deliveries SET status = 'queued', claimed_until = NULL
         WHERE id IN (SELECT id FROM digest_deliveries WHERE status = 'sending' AND claimed_until < now() LIMIT 10000 FOR UPDATE SKIP LOCKED)
         RETURNING id)
       SELECT id FROM expired`,
    );
    if (rows.length > 0) await boss.insert(rows.map((r) => ({ name: DIGEST_QUEUES.email, data: { deliveryId: r.id } satisfies DigestEmailJob })), { db: transactionDb(qr) });
    await qr.commitTransaction();
    return rows.length;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

/**
 * Jobs a worker fetched and died before claiming stay active in pg-boss until they expire (15 min) while
 * their delivery is still queued: after a lease they are failed back to pg-boss, which retries them at once.
 */
export async function recoverAbandonedDigestJobs(db: DataSource, boss: PgBoss, leaseSeconds: number): Promise<number> {
  const rows: Array<{ id: string }> = await db.query(
    `SELECT j.id FROM ${JOB_SCHEMA}.job j
     JOIN digest_deliveries d ON d.id = (j.data->>'deliveryId')::uuid
     WHERE j.name = $1 AND j.state = 'active' AND j.started_on < now() - make_interval(secs => $2) AND d.status = 'queued'
     LIMIT 10000`,
    [DIGEST_QUEUES.email, leaseSeconds],
  );
  if (rows.length > 0) await boss.fail(DIGEST_QUEUES.email, rows.map((r) => r.id));
  return rows.length;
}

/** Deliveries of these periods not settled yet (queued or being sent). */
export async function countPendingDigestDeliveries(db: DataSource, periodKeys: string[]): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE period_key = ANY($1::text[]) AND status IN ('queued', 'sending')`, [periodKeys]);
  return n;
}

// ── Recipients' choices ──────────────────────────────────────────────────────────────────────────────

export const DIGEST_CHOICES: UserDigestChoice[] = ['weekly', 'daily', 'off'];

export async function getDigestChoice(db: DataSource, userId: string): Promise<UserDigestChoice> {
  const rows: Array<{ choice: UserDigestChoice }> = await db.query(`SELECT digest_frequency AS choice FROM users WHERE id = $1`, [userId]);
  return rows[0]?.choice ?? 'off';
}

export async function setDigestChoice(db: DataSource, userId: string, choice: UserDigestChoice): Promise<void> {
  await db.query(`UPDATE users SET digest_frequency = $2, updated_at = now() WHERE id = $1`, [userId, choice]);
}

/** The recipient an unsubscribe link names, and whether they still receive the digest. */
export interface DigestUnsubscribe {
  email: string;
  audience: Audience;
  locale: Locale;
  brand: string;
  subscribed: boolean;
}

/** Unsubscribe links carry a delivery's token: 128 random bits, URL-safe base64. */
export const DIGEST_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export async function getDigestUnsubscribe(db: DataSource, token: string): Promise<DigestUnsubscribe | null> {
  if (!DIGEST_TOKEN_PATTERN.test(token)) return null;
  const rows: DigestUnsubscribe[] = await db.query(
    `SELECT d.email, d.kind AS audience, d.locale, g.brand,
            CASE WHEN d.kind = 'user' THEN coalesce(u.digest_frequency <> 'off', false)
                 ELSE EXISTS (SELECT 1 FROM unnest(g.digest_recipients) AS x(email) WHERE lower(x.email) = d.recipient) END AS subscribed
     FROM digest_deliveries d LEFT JOIN users u ON u.id = d.user_id CROSS JOIN settings g
     WHERE d.token = $1`,
    [token],
  );
  return rows[0] ?? null;
}

/**
 * One-click unsubscribe: a user's choice becomes "off"; an extra address is removed from Settings (SPEC §12).
 * Emails already queued to them are cancelled when a worker picks them up.
 */
export async function unsubscribeFromDigest(db: DataSource, token: string): Promise<DigestUnsubscribe | null> {
  if (!DIGEST_TOKEN_PATTERN.test(token)) return null;
  await db.transaction(async (tx) => {
    const [d]: Array<{ kind: Audience; userId: string | null; recipient: string }> = await tx.query(
      `SELECT kind, user_id AS "userId", recipient FROM digest_deliveries WHERE token = $1`, [token]);
    if (!d) return;
    if (d.kind === 'user') {
      if (d.userId) await tx.query(`UPDATE users SET digest_frequency = 'off', updated_at = now() WHERE id = $1 AND digest_frequency <> 'off'`, [d.userId]);
    } else {
      await tx.query(
        `UPDATE settings SET digest_recipients = array(SELECT x FROM unnest(digest_recipients) WITH ORDINALITY AS t(x, i) WHERE lower(x) <> $1 ORDER BY i),
                updated_at = now()
         WHERE id = 1 AND EXISTS (SELECT 1 FROM unnest(digest_recipients) AS y WHERE lower(y) = $1)`,
        [d.recipient]);
    }
  });
  return getDigestUnsubscribe(db, token);
}

// ── The admin page ───────────────────────────────────────────────────────────────────────────────────

export interface DigestRunSummary {
  periodKey: string;
  frequency: 'weekly' | 'daily';
  from: string;
  to: string;
  outcome: 'queued' | 'skipped_empty';
  recipients: number;
  sent: number;
  pending: number;
  failed: number;
  createdAt: Date;
}

export async function listDigestRuns(db: DataSource, limit = 10): Promise<DigestRunSummary[]> {
  return db.query(
    `SELECT r.period_key AS "periodKey", r.frequency, r.period_from::text AS "from", r.period_to::text AS "to", r.outcome, r.recipients,
            count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent,
            count(d.id) FILTER (WHERE d.status IN ('queued', 'sending'))::int AS pending,
            count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed,
            r.created_at AS "createdAt"
     FROM digest_runs r LEFT JOIN digest_deliveries d ON d.period_key = r.period_key
     GROUP BY r.period_key ORDER BY r.created_at DESC LIMIT $1`,
    [limit],
  );
}

/** Who receives which digest now. */
export async function listDigestRecipients(db: DataSource): Promise<Record<'weekly' | 'daily', DigestRecipient[]>> {
  const [weekly, daily] = await Promise.all([getDigestRecipients(db, 'weekly'), getDigestRecipients(db, 'daily')]);
  return { weekly, daily };
}
