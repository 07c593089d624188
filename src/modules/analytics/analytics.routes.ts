import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { toZonedIso } from '../../time';
import { check } from '../../web/middleware/validate';
import { encodeCursor, requireCursor, resolveDayRange } from '../../web/params';
import { getJourneyCatalog } from '../metrics';
import { getSettings } from '../settings';
import { atRiskQuerySchema, driversQuerySchema, parseAttribute, type AtRiskApiQuery, type DriversApiQuery } from './analytics.schemas';
import { getDrivers, listAtRiskContacts, MIN_OVERLAP, type DriverItem } from './analytics.service';
import { defaultDriverScopes, enqueueDrivers } from './analytics.jobs';

const driverToApi = (i: DriverItem) => ({
  touchpointKey: i.touchpointKey,
  kind: i.kind,
  n: i.n,
  rho: i.rho,
  ci: i.ci,
  significant: i.significant,
  topBox: i.topBox,
  rest: i.rest,
  gapSignificant: i.gapSignificant,
  ...(i.weight !== undefined ? { weight: i.weight } : {}),
  rank: i.rank,
  needed: i.needed,
});

/** GET /drivers and GET /contacts/at-risk. */
export function analyticsApiRouter({ db, queue }: AppDeps): Router {
  const router = Router();
  router.get('/drivers', async (req, res) => {
    const q = check<DriversApiQuery>(driversQuerySchema, req.query);
    const settings = await getSettings(db);
    const range = q.from || q.to ? resolveDayRange(q, settings.timeZone) : (await defaultDriverScopes(db))[0];
    const stored = await getDrivers(db, { from: range.from, to: range.to, stageKey: q.stage }, { enqueue: async (scope) => enqueueDrivers(await queue.start(), scope) });
    if (stored.pending) {
      // A big period nobody asked for yet: the drivers job computes it; ask again in a minute.
      res.status(202).set('Retry-After', '60').json({
        outcome: q.outcome, from: range.from, to: range.to, stage: q.stage ?? null, pending: true,
        association: 'association, not causation', items: [], minOverlap: MIN_OVERLAP,
      });
      return;
    }
    const { result, stale } = stored;
    res.json({
      outcome: q.outcome, from: result.from, to: result.to, stage: result.stageKey, windowDays: result.windowDays,
      computedAt: toZonedIso(new Date(result.computedAt), settings.timeZone), stale,
      association: 'association, not causation',
      model: result.model,
      items: result.items.map(driverToApi),
      minOverlap: result.minOverlap,
    });
  });
  router.get('/contacts/at-risk', async (req, res) => {
    const q = check<AtRiskApiQuery>(atRiskQuerySchema, req.query);
    const [settings, catalog] = await Promise.all([getSettings(db), getJourneyCatalog(db)]);
    const stageKeys = new Map(catalog.stages.map((s) => [s.id, s.key]));
    const page = await listAtRiskContacts(db, {
      reason: q.reason, stageKey: q.stage, attribute: parseAttribute(q.attr), limit: q.limit,
      cursor: q.cursor ? requireCursor(q.cursor, 'uuid') : undefined,
    });
    res.json({
      items: page.items.map((r) => ({
        contactId: r.contactId, email: r.email, name: r.name, reasons: r.reasons,
        stages: r.stageIds.map((id) => stageKeys.get(id)).filter(Boolean),
        lastAnswerAt: toZonedIso(new Date(r.lastAnswerAt), settings.timeZone),
        openFollowUpId: r.openFollowUpId,
      })),
      nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
    });
  });
  return router;
}
