import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { check } from '../../web/middleware/validate';
import { getSettings } from '../settings';
import { HttpError } from '../../web/errors';
import { decodeOrderCursor, resolveDayRange } from '../../web/params';
import { METRICS_CURSOR_SHAPE, metricsQuerySchema, type MetricsQuery } from './metrics.schemas';
import { getMetricsReport, type MetricGroup } from './metrics.service';

function groupToApi(g: MetricGroup) {
  const extra = g.result.kind === 'nps'
    ? { promoters: g.result.promoters, passives: g.result.passives, detractors: g.result.detractors }
    : g.result.kind === 'csat'
      ? { mean: g.result.mean, satisfied: g.result.satisfied }
      : { easyShare: g.result.easyShare, sd: g.result.sd };
  return { key: g.key, name: g.name, names: g.names, n: g.n, score: g.score, moe: g.moe, lowSample: g.lowSample, distribution: g.distribution, ...extra };
}

export function metricsApiRouter({ db }: AppDeps): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const q = check<MetricsQuery>(metricsQuerySchema, req.query);
    // A cursor is the last group's place in journey order: one of another list, or made up, is refused.
    const after = q.cursor === undefined || (q.by !== 'touchpoint' && q.by !== 'survey') ? undefined : decodeOrderCursor(q.cursor, METRICS_CURSOR_SHAPE[q.by]);
    if (after === null) throw new HttpError(400, 'validation_failed', 'The request is not valid', [{ path: 'cursor', message: 'cursor is not a cursor of this list; use nextCursor from a previous page' }]);
    const settings = await getSettings(db);
    const range = resolveDayRange(q, settings.timeZone);
    const report = await getMetricsReport(db, { kind: q.kind, by: q.by, range, locale: q.lang ?? settings.defaultLocale, limit: q.limit, after });
    res.json({ kind: q.kind, by: q.by, from: range.from, to: range.to, timeZone: settings.timeZone, groups: report.groups.map(groupToApi), nextCursor: report.nextCursor });
  });
  return router;
}
