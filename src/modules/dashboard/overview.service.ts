import type { DataSource } from 'typeorm';
import { type DashboardFilters, getHistogramRows, getJourneyTargets, targetFor } from '../metrics';
import type { Formatter } from '../../web/format';
import { countAtRisk } from '../analytics';
import { histogramsBy, KINDS, scoreView, type ScoreView } from './score-view';
import { trendBuckets, trendView, type TrendView } from './trend';

export interface OverviewTile extends ScoreView { hasSurveys: boolean }

export interface Overview {
  tiles: OverviewTile[];
  trends: TrendView[];
  /** Contacts at risk now (journey analytics), with the count in words. */
  atRisk: { count: number; text: string };
}

/**
 * The overview: whole-journey NPS, CSAT and CES for the period against the previous period of the same
 * length and the journey's targets, and their weekly trends. Two reads of the whole-journey rollup
 * (per metric kind): a few hundred rows whatever the number of responses, surveys or touchpoints.
 */
export async function getOverview(db: DataSource, f: DashboardFilters, fmt: Formatter): Promise<Overview> {
  const scope = { channel: f.channel, attribute: f.attribute, timeZone: fmt.timeZone, per: 'kind' as const };
  const trend = trendBuckets(f.period);
  const [journey, periodRows, trendRows, atRisk] = await Promise.all([
    getJourneyTargets(db),
    getHistogramRows(db, { ...scope, buckets: [{ key: 'current', ...f.period }, { key: 'previous', ...f.previous }] }),
    getHistogramRows(db, { ...scope, buckets: trend }),
    countAtRisk(db),
  ]);
  const periods = histogramsBy(periodRows, (r) => `${r.bucket}|${r.group}`);
  const tiles = KINDS.map((kind) => ({
    ...scoreView(kind, periods.get(`current|${kind}`) ?? {}, fmt, { target: targetFor(journey, kind, {}), previous: periods.get(`previous|${kind}`) ?? {} }),
    hasSurveys: journey.kinds.includes(kind),
  }));
  const trends = KINDS.filter((kind) => journey.kinds.includes(kind))
    .map((kind) => trendView(kind, trend, histogramsBy(trendRows.filter((r) => r.group === kind), (r) => r.bucket), fmt));
  return { tiles, trends, atRisk: { count: atRisk, text: fmt.count(atRisk) } };
}
