import type { Request, Response, Router } from 'express';
import Joi from 'joi';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import { hasRole } from '../../web/middleware/auth';
import { manageForm, redirectWithFlash } from '../../web/forms';
import { formatterFor } from '../../web/format';
import { HttpError } from '../../web/errors';
import { daySchema, decodeCursor, encodeCursor, keySchema, resolvePeriod, type PeriodPreset } from '../../web/params';
import { filterQuery, getJourneyCatalog, parseDashboardFilters, type FilterName } from '../metrics';
import { getSettings } from '../settings';
import { atRiskQuerySchema, parseAttribute, type AtRiskApiQuery } from './analytics.schemas';
import { getDrivers, listAtRiskContacts, writeAtRiskCsv, type AtRiskQuery } from './analytics.service';
import { enqueueDrivers } from './analytics.jobs';
import { AT_RISK_REASONS } from './queries/refreshAtRisk';
import { driverRow, driversChart } from './analytics.view';

const CHART_SCRIPTS = ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'];
const DRIVER_FILTERS: FilterName[] = ['period', 'from', 'to', 'stage'];
const PRESETS = ['30d', '90d', 'quarter'] as const;

/** The at-risk filters of a page or an export; a bad value is a 400 page in the reader's language. */
function atRiskFilters(query: unknown): { q: AtRiskApiQuery; filter: AtRiskQuery } {
  const { value, error } = atRiskQuerySchema.validate(Object.fromEntries(Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => v !== '')),
    { abortEarly: false, allowUnknown: false, convert: true });
  if (error) throw new HttpError(400, 'validation_failed', 'The filters are not valid', error.details.map((d) => ({ path: d.path.join('.'), message: d.message })), 'analytics.err.filters');
  const q = value as AtRiskApiQuery;
  const cursor = q.cursor ? decodeCursor(q.cursor, 'uuid') : null;
  if (q.cursor && !cursor) throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid', [{ path: 'cursor', message: 'not a cursor' }], 'analytics.err.filters');
  return { q, filter: { reason: q.reason, stageKey: q.stage, attribute: parseAttribute(q.attr), cursor: cursor ?? undefined } };
}

/**
 * /analytics/drivers: importance against performance, chart and table; /analytics/at-risk: the contacts
 * at risk with their reasons, filterable, and its CSV export (editors: it carries personal data).
 */
export function analyticsPagesRouter({ db, queue }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  route('get', '/analytics/drivers', 'viewer', async (req: Request, res: Response) => {
    const locale: Locale = res.locals.locale;
    const settings = await getSettings(db);
    const query = { period: '90d', ...(req.query as Record<string, unknown>) };
    const f = parseDashboardFilters(query, { timeZone: settings.timeZone, allow: DRIVER_FILTERS });
    const fmt = formatterFor(locale, settings.timeZone);
    const catalog = await getJourneyCatalog(db);
    const stored = await getDrivers(db, { from: f.period.from, to: f.period.to, stageKey: f.stage },
      { enqueue: async (scope) => enqueueDrivers(await queue.start(), scope) });
    const option = (value: string, label: string, current: string | undefined) => ({ value, label, selected: value === current });
    if (stored.pending) {
      return res.render('analytics/drivers', {
        layout: 'dashboard',
        title: t(locale, 'nav.drivers'),
        pending: true,
        presets: PRESETS.map((p) => option(p, t(locale, `metrics.preset.${p}`), f.period.preset)),
        custom: f.period.preset === 'custom' ? { from: f.period.from, to: f.period.to } : null,
        stages: catalog.stages.map((s) => option(s.key, s.names[locale], f.stage)),
      });
    }
    const { result, stale } = stored;
    const rows = result.items.map((i) => driverRow(i, result, catalog, fmt));
    // Ranked drivers first (by rank), then the rest in journey order.
    const order = result.items.map((i, k) => ({ k, rank: i.rank ?? Infinity })).sort((a, b) => a.rank - b.rank || a.k - b.k);
    res.render('analytics/drivers', {
      layout: 'dashboard',
      title: t(locale, 'nav.drivers'),
      scripts: CHART_SCRIPTS,
      intro: t(locale, 'analytics.drivers.intro', { days: result.windowDays, from: fmt.day(result.from), to: fmt.day(result.to) }),
      computed: t(locale, 'analytics.drivers.computed', { at: fmt.dateTime(new Date(result.computedAt)) }),
      stale,
      presets: PRESETS.map((p) => option(p, t(locale, `metrics.preset.${p}`), f.period.preset)),
      custom: f.period.preset === 'custom' ? { from: f.period.from, to: f.period.to } : null,
      stages: catalog.stages.map((s) => option(s.key, s.names[locale], f.stage)),
      chart: driversChart(result, catalog, fmt),
      rows: order.map((o) => rows[o.k]),
      model: result.model
        ? t(locale, 'analytics.drivers.model', { touchpoints: result.model.touchpoints, n: fmt.count(result.model.n), r2: fmt.number(result.model.r2, 2) })
        : t(locale, 'analytics.drivers.noModel'),
      canEdit: hasRole(res.locals.user, 'editor'),
      refreshQuery: filterQuery(f, {}),
      period: { from: f.period.from, to: f.period.to, stage: f.stage ?? '' },
    });
  });

  route('post', '/analytics/drivers/refresh', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, error } = Joi.object({ from: daySchema.required(), to: daySchema.required(), stage: keySchema.allow('') })
      .validate(req.body, { allowUnknown: true, convert: true });
    if (error) throw new HttpError(400, 'validation_failed', 'The period is not valid', [{ path: String(error.details[0].path[0] ?? ''), message: error.details[0].message }], 'analytics.err.filters');
    const { timeZone } = await getSettings(db);
    const period = resolvePeriod({ period: 'custom' as PeriodPreset, from: value.from, to: value.to }, timeZone);
    await enqueueDrivers(await queue.start(), { from: period.from, to: period.to, stageKey: value.stage || undefined });
    const back = `/analytics/drivers?from=${period.from}&to=${period.to}${value.stage ? `&stage=${encodeURIComponent(value.stage)}` : ''}`;
    await redirectWithFlash(req, res, t(locale, 'analytics.drivers.refreshQueued'), back);
  });

  route('get', '/analytics/at-risk', 'viewer', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { q, filter } = atRiskFilters(req.query);
    const [settings, catalog] = await Promise.all([getSettings(db), getJourneyCatalog(db)]);
    const fmt = formatterFor(locale, settings.timeZone);
    const page = await listAtRiskContacts(db, { ...filter, limit: q.limit });
    const stageName = new Map(catalog.stages.map((s) => [s.id, s.names[locale]]));
    const params = (over: Record<string, string | undefined>) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries({ reason: q.reason, stage: q.stage, attr: q.attr, ...over })) if (v) p.set(k, v);
      const s = p.toString();
      return s ? `?${s}` : '';
    };
    const reasonLabel = (r: string) => t(locale, `analytics.atRisk.reason.${r as (typeof AT_RISK_REASONS)[number]}`, { days: settings.atRiskFollowUpDays });
    res.render('analytics/at-risk', {
      layout: 'dashboard',
      title: t(locale, 'analytics.atRisk.title'),
      reasons: AT_RISK_REASONS.map((r) => ({ value: r, label: reasonLabel(r), selected: r === q.reason })),
      stages: catalog.stages.map((s) => ({ value: s.key, label: s.names[locale], selected: s.key === q.stage })),
      attr: q.attr ?? '',
      items: page.items.map((r) => ({
        contactId: r.contactId,
        email: r.email,
        name: r.name,
        reasons: r.reasons.map(reasonLabel),
        stages: r.stageIds.map((id) => stageName.get(id)).filter(Boolean).join(', '),
        lastAnswer: fmt.dateTime(new Date(r.lastAnswerAt)),
        followUpId: r.openFollowUpId,
      })),
      nextHref: page.nextCursor ? `/analytics/at-risk${params({ cursor: encodeCursor(page.nextCursor) })}` : null,
      firstHref: q.cursor ? `/analytics/at-risk${params({})}` : null,
      exportHref: hasRole(res.locals.user, 'editor') ? `/analytics/at-risk.csv${params({})}` : null,
    });
  });

  route('get', '/analytics/at-risk.csv', 'editor', async (req, res) => {
    const { filter } = atRiskFilters(req.query);
    const [{ timeZone }, catalog] = await Promise.all([getSettings(db), getJourneyCatalog(db)]);
    const day = new Date().toISOString().slice(0, 10);
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="at-risk-${day}.csv"`,
      'Cache-Control': 'no-store',
    });
    await writeAtRiskCsv(db, filter, timeZone, new Map(catalog.stages.map((s) => [s.id, s.key])), res);
  });

  return router;
}
