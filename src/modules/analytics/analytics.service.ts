import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../domain-error';
import { addDays, toZonedIso, zonedDay } from '../../time';
import { getHistogramRows, getJourneyCatalog, scoreFromHistogram, targetFor, type Histogram } from '../metrics';
import { compareScores, npsFromHistogram, scoreGroup } from '../metrics/scoring';
import { getSettings } from '../settings';
import { getDriverCells, type DriverCell } from './queries/getDriverCells';
import { countCompleteCases, getCompleteCases, type DriverItemRef } from './queries/getCompleteCases';
import { refreshAtRisk, REPEAT_DAYS, type AtRiskReason } from './queries/refreshAtRisk';
import { getClockedContacts } from './queries/getClockedContacts';
import { countAtRisk as countAtRiskRows, listAtRisk, type AtRiskFilter, type AtRiskRow } from './queries/listAtRisk';
import { correlationMatrix, fisherInterval, pearson, relativeWeights, spearmanFromCells } from './stats';

/**
 * Journey analytics: key drivers of relationship NPS, and the contacts at risk. Every write path and every
 * read the pages and the API share lives here; the jobs (analytics.jobs.ts) call the refresh functions.
 */

// ---- key drivers ---------------------------------------------------------------------------------

/** Below this many contacts with both answers a touchpoint gets no verdict (SPEC §3's low sample). */
export const MIN_OVERLAP = 30;
/** Relative weights need this many touchpoints answered by this many of the same contacts. */
export const WEIGHTS_MIN_ITEMS = 3;
export const WEIGHTS_MIN_CONTACTS = 50;
/** The weights are computed on at most this many contacts (a fixed sample): their cost has a ceiling. */
export const WEIGHTS_SAMPLE = 20_000;
/** A stored result older than this is served, and recomputed in the background. */
export const DRIVERS_STALE_MS = 24 * 3600_000;
/** Results nobody read for this long are dropped by the nightly run. */
const DRIVERS_KEEP_MS = 30 * 24 * 3600_000;
/** The badge marks this many of the top significant drivers on the journey map. */
export const BADGE_COUNT = 3;
/** The drivers page's default period, in days ending today (also the nightly run's and the map badges'). */
export const DEFAULT_DRIVER_DAYS = 90;

export interface DriversQuery { from: string; to: string; stageKey?: string }

export interface DriverItem {
  touchpointId: number;
  touchpointKey: string;
  stageId: number;
  kind: 'csat' | 'ces';
  n: number;
  rho: number | null;
  ci: [number, number] | null;
  significant: boolean;
  topBox: { nps: number | null; n: number };
  rest: { nps: number | null; n: number };
  gapSignificant: boolean;
  /** Johnson's raw relative weight (its share of R², the weights sum to R²), when the touchpoint is in the model. */
  weight?: number;
  /** More answers needed before a verdict (0 once n ≥ MIN_OVERLAP). */
  needed: number;
  /** 1, 2, … among the significant drivers, by ρ; null: not ranked ("no evidence", or too few answers). */
  rank: number | null;
  /** The touchpoint's own score over the period, and its target. */
  performance: { score: number | null; n: number; target: number | null };
}

export interface DriversResult {
  from: string;
  to: string;
  stageKey: string | null;
  windowDays: number;
  computedAt: string;
  minOverlap: number;
  items: DriverItem[];
  /** The relative weights' model: its R² and how many contacts it was fitted on; null when it could not be fitted. */
  model: { r2: number; n: number; touchpoints: number } | null;
}

const scopeKey = (q: DriversQuery, windowDays: number) => `${q.from}..${q.to}|${q.stageKey ?? '*'}|${windowDays}`;

/** The statistics of one touchpoint from its table of (score, outcome) counts. */
function driverStats(cells: DriverCell[]): Pick<DriverItem, 'n' | 'rho' | 'ci' | 'significant' | 'topBox' | 'rest' | 'gapSignificant' | 'needed'> {
  const { rho, n } = spearmanFromCells(cells);
  const ci = rho === null ? null : fisherInterval(rho, n);
  const top: Histogram = {};
  const rest: Histogram = {};
  for (const c of cells) {
    const h = scoreGroup(c.kind, c.x) === 'promoter' ? top : rest;
    h[c.y] = (h[c.y] ?? 0) + c.n;
  }
  const topNps = npsFromHistogram(top);
  const restNps = npsFromHistogram(rest);
  const enough = n >= MIN_OVERLAP;
  return {
    n,
    rho,
    ci,
    significant: enough && ci !== null && (ci[0] > 0 || ci[1] < 0),
    topBox: { nps: topNps.score, n: topNps.n },
    rest: { nps: restNps.score, n: restNps.n },
    gapSignificant: enough && compareScores('nps', rest, top).significant,
    needed: Math.max(0, MIN_OVERLAP - n),
  };
}

/** Johnson's weights over the largest set of eligible touchpoints that ≥ 50 contacts all answered (dropping the thinnest first). */
async function fitWeights(tx: Parameters<typeof getDriverCells>[0], items: DriverItem[]): Promise<DriversResult['model']> {
  let set = items.filter((i) => i.n >= MIN_OVERLAP).sort((a, b) => b.n - a.n);
  while (set.length >= WEIGHTS_MIN_ITEMS) {
    const refs: DriverItemRef[] = set.map((i) => ({ touchpointId: i.touchpointId, kind: i.kind }));
    if (await countCompleteCases(tx, refs) >= WEIGHTS_MIN_CONTACTS) {
      const cases = await getCompleteCases(tx, refs, WEIGHTS_SAMPLE);
      const columns = set.map((_, j) => cases.map((c) => c.xs[j]));
      const y = cases.map((c) => c.y);
      const rxx = correlationMatrix(columns);
      const rxy = columns.map((col) => pearson(col, y));
      if (rxx && rxy.every((r) => r !== null)) {
        const w = relativeWeights(rxx, rxy as number[]);
        if (w) {
          set.forEach((item, j) => { item.weight = w.raw[j]; });
          return { r2: w.r2, n: cases.length, touchpoints: set.length };
        }
      }
      return null;
    }
    set = set.slice(0, -1);
  }
  return null;
}

/** Each touchpoint's own score over the period (from the rollups) and its target. */
async function performances(db: DataSource, q: DriversQuery): Promise<Map<string, { score: number | null; n: number }>> {
  const out = new Map<string, { score: number | null; n: number }>();
  for (const kind of ['csat', 'ces'] as const) {
    const rows = await getHistogramRows(db, { buckets: [{ key: 'p', from: q.from, to: q.to }], kind, per: 'touchpoint' });
    const hs = new Map<string, Histogram>();
    for (const r of rows) {
      const h = hs.get(r.group) ?? {};
      h[r.score] = (h[r.score] ?? 0) + Number(r.n);
      hs.set(r.group, h);
    }
    for (const [tp, h] of hs) {
      const s = scoreFromHistogram(kind, h);
      out.set(`${tp}:${kind}`, { score: s.score, n: s.n });
    }
  }
  return out;
}

/** Computes the drivers of relationship NPS over a period (the job's work; pages read the stored result). */
export async function computeDrivers(db: DataSource, q: DriversQuery, now = new Date()): Promise<DriversResult> {
  const settings = await getSettings(db);
  const catalog = await getJourneyCatalog(db);
  const stage = q.stageKey ? catalog.stages.find((s) => s.key === q.stageKey) : undefined;
  if (q.stageKey && !stage) throw new DomainError('not_found', `No stage "${q.stageKey}"`, { messageKey: 'analytics.err.noStage' });
  const perf = await performances(db, q);
  return db.transaction(async (tx) => {
    const cells = await getDriverCells(tx, { from: q.from, to: q.to, timeZone: settings.timeZone, windowDays: settings.driverWindowDays, stageId: stage?.id ?? null });
    const byItem = new Map<string, DriverCell[]>();
    for (const c of cells) {
      const k = `${c.touchpointId}:${c.kind}`;
      byItem.set(k, [...(byItem.get(k) ?? []), c]);
    }
    const items: DriverItem[] = [];
    for (const tp of catalog.touchpoints) {
      if (stage && tp.stageId !== stage.id) continue;
      for (const kind of ['csat', 'ces'] as const) {
        const has = catalog.surveys.some((s) => s.touchpointId === tp.id && s.kind === kind);
        if (!has) continue;
        const p = perf.get(`${tp.id}:${kind}`) ?? { score: null, n: 0 };
        items.push({
          touchpointId: tp.id, touchpointKey: tp.key, stageId: tp.stageId, kind,
          ...driverStats(byItem.get(`${tp.id}:${kind}`) ?? []),
          rank: null,
          performance: { ...p, target: targetFor(catalog, kind, { touchpointId: tp.id, stageId: tp.stageId }) },
        });
      }
    }
    const model = await fitWeights(tx, items);
    // Ranked by ρ, significant drivers only (positive first, then inverse links); never the rest. Not by
    // weight: the weights come from the contacts who answered every modelled touchpoint (a few dozen at
    // first), ρ from every contact who answered that touchpoint: the weights are shown, ρ decides the order.
    const ranked = items.filter((i) => i.significant).sort((a, b) => (b.rho ?? 0) - (a.rho ?? 0));
    ranked.forEach((i, k) => { i.rank = k + 1; });
    return {
      from: q.from, to: q.to, stageKey: q.stageKey ?? null, windowDays: settings.driverWindowDays, computedAt: now.toISOString(),
      minOverlap: MIN_OVERLAP, items, model,
    };
  });
}

/** Computes and stores one period's drivers. */
export async function refreshDrivers(db: DataSource, q: DriversQuery, now = new Date()): Promise<DriversResult> {
  const result = await computeDrivers(db, q, now);
  await db.query(
    `INSERT INTO key_driver_results (scope, from_day, to_day, stage_key, window_days, result, computed_at, read_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (scope) DO UPDATE SET result = EXCLUDED.result, computed_at = EXCLUDED.computed_at`,
    [scopeKey(q, result.windowDays), q.from, q.to, q.stageKey ?? null, result.windowDays, JSON.stringify(result), now]);
  return result;
}

/** Up to this many answers in a period, a period nobody asked for yet is computed in the request (about a second). */
export const INLINE_MAX_ANSWERS = 300_000;

/** A stored result (`pending`: none yet, a job computes it). */
export type StoredDrivers = { result: DriversResult; stale: boolean; pending: false } | { result: null; stale: false; pending: true };

/** How many CSAT, CES and NPS answers a period holds (from the rollups: tens of rows). */
async function answersIn(db: DataSource, q: DriversQuery): Promise<number> {
  const rows = await getHistogramRows(db, { buckets: [{ key: 'p', from: q.from, to: q.to }], per: 'kind' });
  return rows.reduce((s, r) => s + Number(r.n), 0);
}

/**
 * The stored drivers of a period: one primary-key read. A period nobody asked for yet is computed now when
 * it holds at most `inlineMax` answers (then stored); a bigger one is handed to `enqueue` (the drivers job)
 * and comes back `pending`. A result older than a day is served as is and handed to `enqueue` too, so a
 * page never waits for a recomputation.
 */
export async function getDrivers(db: DataSource, q: DriversQuery, opts: { enqueue?: (q: DriversQuery) => Promise<void>; inlineMax?: number; now?: Date } = {}): Promise<StoredDrivers> {
  const now = opts.now ?? new Date();
  const onStale = opts.enqueue;
  const { driverWindowDays } = await getSettings(db);
  const rows: Array<{ result: DriversResult; computed_at: Date }> = await db.query(
    // (Wrapped in a SELECT: TypeORM hands back an UPDATE's rows as [rows, count].)
    `WITH u AS (UPDATE key_driver_results SET read_at = $2 WHERE scope = $1 RETURNING result, computed_at) SELECT * FROM u`, [scopeKey(q, driverWindowDays), now]);
  if (rows.length === 0) {
    if (opts.enqueue && await answersIn(db, q) > (opts.inlineMax ?? INLINE_MAX_ANSWERS)) {
      await opts.enqueue(q);
      return { result: null, stale: false, pending: true };
    }
    return { result: await refreshDrivers(db, q, now), stale: false, pending: false };
  }
  const stale = now.getTime() - new Date(rows[0].computed_at).getTime() > DRIVERS_STALE_MS;
  if (stale && onStale) await onStale(q);
  return { result: rows[0].result, stale, pending: false };
}

/** The nightly run: recomputes every period read in the last week, drops those unread for a month. */
export async function refreshReadDrivers(db: DataSource, defaults: DriversQuery[], now = new Date()): Promise<number> {
  await db.query(`DELETE FROM key_driver_results WHERE read_at < $1`, [new Date(now.getTime() - DRIVERS_KEEP_MS)]);
  const rows: Array<{ from: string; to: string; stage: string | null }> = await db.query(
    `SELECT DISTINCT to_char(from_day, 'YYYY-MM-DD') AS "from", to_char(to_day, 'YYYY-MM-DD') AS "to", stage_key AS stage
     FROM key_driver_results WHERE read_at >= $1`, [new Date(now.getTime() - 7 * 24 * 3600_000)]);
  const scopes = new Map<string, DriversQuery>();
  for (const d of defaults) scopes.set(`${d.from}|${d.to}|${d.stageKey ?? ''}`, d);
  for (const r of rows) scopes.set(`${r.from}|${r.to}|${r.stage ?? ''}`, { from: r.from, to: r.to, stageKey: r.stage ?? undefined });
  let done = 0;
  for (const q of scopes.values()) {
    try {
      await refreshDrivers(db, q, now);
      done++;
    } catch (err) {
      // A stage deleted since: its stored periods go.
      if (err instanceof DomainError) await db.query(`DELETE FROM key_driver_results WHERE stage_key = $1`, [q.stageKey ?? null]);
      else throw err;
    }
  }
  return done;
}

/**
 * The journey map's badges: the top significant positive drivers of the stored whole-journey result of the
 * drivers page's default period (the last 90 days), or of `range`, by touchpoint id. Whatever period the map
 * shows, drivers need a long window to say anything. One primary-key read; never computes (an absent result
 * means no badges yet): the map stays as fast as it is.
 */
export async function getDriverBadges(db: DataSource, range?: { from: string; to: string }, now = new Date()): Promise<Map<number, { rank: number }>> {
  const { driverWindowDays, timeZone } = await getSettings(db);
  if (!range) {
    const to = zonedDay(now, timeZone);
    range = { from: addDays(to, 1 - DEFAULT_DRIVER_DAYS), to };
  }
  const rows: Array<{ result: DriversResult }> = await db.query(
    `SELECT result FROM key_driver_results WHERE scope = $1`, [scopeKey({ from: range.from, to: range.to }, driverWindowDays)]);
  const out = new Map<number, { rank: number }>();
  const items = rows[0]?.result.items ?? [];
  for (const i of items) {
    if (i.rank !== null && i.rank <= BADGE_COUNT && (i.rho ?? 0) > 0 && !out.has(i.touchpointId)) out.set(i.touchpointId, { rank: i.rank });
  }
  return out;
}

// ---- at-risk contacts ----------------------------------------------------------------------------

export interface AtRiskPage { items: AtRiskRow[]; nextCursor: { at: string; id: string } | null }
export const AT_RISK_PAGE = 50;
/** A lock id of this module (pg advisory locks): one at-risk refresh at a time across instances. */
const AT_RISK_LOCK = 16_160_001;

const AT_RISK_TRIGGERS: Array<[table: string, trigger: string]> = [
  ['responses', 'responses_at_risk_insert'], ['responses', 'responses_at_risk_update'], ['responses', 'responses_at_risk_delete'],
  ['follow_ups', 'follow_ups_at_risk_insert'], ['follow_ups', 'follow_ups_at_risk_update'],
];

/**
 * Switches the triggers that queue changed contacts off for a bulk load (seed:demo: millions of rows, then
 * one rebuild) and on again. Switching them off also forgets the last run, so the next refresh rebuilds the
 * whole list even if the loader never calls rebuildAtRisk.
 */
export async function setAtRiskTriggers(db: DataSource, enabled: boolean): Promise<void> {
  for (const [table, trigger] of AT_RISK_TRIGGERS) await db.query(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER ${trigger}`);
  if (!enabled) await db.query(`UPDATE at_risk_state SET checked_at = NULL WHERE id = 1`);
}

/** Rebuilds the whole at-risk table (first run, a changed follow-up age, and nightly as a check). */
export async function rebuildAtRisk(db: DataSource, now = new Date()): Promise<number> {
  const { atRiskFollowUpDays } = await getSettings(db);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [AT_RISK_LOCK]);
    await tx.query(`DELETE FROM at_risk_dirty`);
    const n = await refreshAtRisk(tx, null, atRiskFollowUpDays, now);
    await tx.query(`UPDATE at_risk_state SET checked_at = $1, rebuilt_at = $1, follow_up_days = $2 WHERE id = 1`, [now, atRiskFollowUpDays]);
    return n;
  });
}

/**
 * The incremental refresh (every few minutes): re-evaluates only the contacts with new or changed answers
 * or follow-ups since the last run (queued by triggers in `at_risk_dirty`), and those whose reasons the
 * clock alone may have changed. Falls back to a full rebuild the first time and after the follow-up age changed.
 */
export async function refreshAtRiskContacts(db: DataSource, now = new Date()): Promise<{ contacts: number; rebuilt: boolean }> {
  const { atRiskFollowUpDays } = await getSettings(db);
  const [state]: Array<{ checked_at: Date | null; follow_up_days: number | null }> = await db.query(`SELECT checked_at, follow_up_days FROM at_risk_state WHERE id = 1`);
  if (!state.checked_at || state.follow_up_days !== atRiskFollowUpDays) {
    await rebuildAtRisk(db, now);
    return { contacts: -1, rebuilt: true };
  }
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [AT_RISK_LOCK]);
    const dirty: Array<{ contact_id: string }> = await tx.query(`WITH d AS (DELETE FROM at_risk_dirty RETURNING contact_id) SELECT contact_id FROM d`);
    const [{ checked_at: since }]: Array<{ checked_at: Date }> = await tx.query(`SELECT checked_at FROM at_risk_state WHERE id = 1`);
    const clocked = await getClockedContacts(tx, { since, now, followUpDays: atRiskFollowUpDays, repeatDays: REPEAT_DAYS });
    const ids = [...new Set([...dirty.map((d) => d.contact_id), ...clocked])];
    await refreshAtRisk(tx, ids, atRiskFollowUpDays, now);
    await tx.query(`UPDATE at_risk_state SET checked_at = $1 WHERE id = 1`, [now]);
    return { contacts: ids.length, rebuilt: false };
  });
}

export interface AtRiskQuery {
  reason?: AtRiskReason;
  stageKey?: string;
  attribute?: { key: string; value: string };
  cursor?: { at: string; id: string };
  limit?: number;
}

async function toFilter(db: DataSource, q: AtRiskQuery, limit: number): Promise<AtRiskFilter> {
  let stageId: number | undefined;
  if (q.stageKey) {
    const rows: Array<{ id: number }> = await db.query(`SELECT id FROM stages WHERE key = $1`, [q.stageKey]);
    if (rows.length === 0) throw new DomainError('not_found', `No stage "${q.stageKey}"`, { messageKey: 'analytics.err.noStage' });
    stageId = rows[0].id;
  }
  return { reason: q.reason, stageId, attribute: q.attribute, after: q.cursor, limit };
}

/** A page of the at-risk contacts, newest last answer first. */
export async function listAtRiskContacts(db: DataSource, q: AtRiskQuery): Promise<AtRiskPage> {
  const limit = q.limit ?? AT_RISK_PAGE;
  const rows = await listAtRisk(db, await toFilter(db, q, limit + 1));
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? { at: last.cursorAt, id: last.contactId } : null };
}

export async function countAtRisk(db: DataSource): Promise<number> {
  return countAtRiskRows(db);
}

/** The at-risk list as CSV (editors: it carries emails), UTF-8 with a BOM, formula-safe cells, batch by batch. */
export async function writeAtRiskCsv(db: DataSource, q: AtRiskQuery, timeZone: string, stageKeys: Map<number, string>, out: Writable): Promise<void> {
  const csv = stringify({ bom: true, escape_formulas: true });
  const written = pipeline(csv, out);
  written.catch(() => undefined);
  const write = async (cells: string[]) => {
    if (!csv.write(cells)) await Promise.race([once(csv, 'drain'), written]);
  };
  try {
    await write(['email', 'name', 'reasons', 'stages', 'last_answer_at', 'open_follow_up']);
    let cursor = q.cursor;
    for (;;) {
      const page = await listAtRiskContacts(db, { ...q, cursor, limit: 1000 });
      for (const r of page.items) {
        await write([r.email, r.name, r.reasons.join(' '), r.stageIds.map((s) => stageKeys.get(s) ?? '').filter(Boolean).join(' '),
          toZonedIso(new Date(r.lastAnswerAt), timeZone), r.openFollowUpId ?? '']);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    csv.end();
  } catch (err) {
    csv.destroy(err as Error);
  }
  await written;
}
