import type { DataSource } from 'typeorm';
import { addDays, daysBetween, weekStart } from '../../../time';
import type { Histogram, MetricKind } from '../scoring';
import { getHistogramRows, type Bucket } from './getHistogramRows';

export type GroupBy = 'overall' | 'stage' | 'touchpoint' | 'survey' | 'week';

export interface HistogramQuery {
  kind: MetricKind;
  by: GroupBy;
  /** Calendar days in the organisation's time zone, inclusive. */
  from: string;
  to: string;
}

/** Group id (stage id, touchpoint id, survey id, Monday of the week, or 'overall') -> pooled histogram. */
export type GroupedHistograms = Map<string, Histogram>;

/** Monday-started weeks touching the range, each cut to the days inside it. */
export function weekBuckets(from: string, to: string): Bucket[] {
  const out: Bucket[] = [];
  for (let monday = weekStart(from); daysBetween(monday, to) >= 0; monday = addDays(monday, 7)) {
    const sunday = addDays(monday, 6);
    out.push({ key: monday, from: daysBetween(monday, from) > 0 ? from : monday, to: daysBetween(sunday, to) < 0 ? to : sunday });
  }
  return out;
}

/**
 * Score histograms per group, read from the rollups and grouped in SQL: the cost depends on the groups,
 * the buckets and the scale, never on the number of responses nor on the length of the period. A group
 * pools every response of its surveys.
 */
export async function getScoreHistograms(db: DataSource, q: HistogramQuery): Promise<GroupedHistograms> {
  const buckets = q.by === 'week' ? weekBuckets(q.from, q.to) : [{ key: 'period', from: q.from, to: q.to }];
  const per = ({ overall: 'kind', week: 'kind', stage: 'stage', touchpoint: 'touchpoint', survey: 'survey' } as const)[q.by];
  const rows = await getHistogramRows(db, { buckets, kind: q.kind, per });
  const result: GroupedHistograms = new Map();
  for (const row of rows) {
    const g = q.by === 'overall' ? 'overall' : q.by === 'week' ? row.bucket : row.group;
    const h = result.get(g) ?? {};
    h[row.score] = (h[row.score] ?? 0) + row.n;
    result.set(g, h);
  }
  return result;
}
