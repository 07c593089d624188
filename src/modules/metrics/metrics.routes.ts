import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { check } from '../../web/middleware/validate';
import { getSettings } from '../settings';
import { resolveDayRange } from '../../web/params';
import { metricsQuerySchema, type MetricsQuery } from './metrics.schemas';
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
    const settings = await getSettings(db);
    const range = resolveDayRange(q, settings.timeZone);
    const groups = await getMetricsReport(db, { kind: q.kind, by: q.by, range, locale: q.lang ?? settings.defaultLocale });
    res.json({ kind: q.kind, by: q.by, from: range.from, to: range.to, timeZone: settings.timeZone, groups: groups.map(groupToApi) });
  });
  return router;
}
