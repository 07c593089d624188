import type { DataSource } from 'typeorm';
import type { Locale } from '../../i18n';
import { addDays, daysBetween, isoWeekLabel, weekStart } from '../../time';
import { scoreFromHistogram, SCALES, type Histogram, type MetricKind, type MetricResult } from './scoring';
import { getScoreHistograms, type GroupBy } from './queries/getScoreHistograms';
import { getMetricGroups } from './queries/getMetricGroups';
import type { DayRange } from '../../web/params';
import { getSegmentHistograms, isDimensionBy, requireDimension, scoreSegmentValues, type DimensionBy } from './segment-report';

export interface MetricGroup {
  key: string;
  name: string;
  names: { vi: string; en: string };
  n: number;
  score: number | null;
  moe: number | null;
  lowSample: boolean;
  distribution: Record<string, number>;
  result: MetricResult;
}

/** Every point of the scale, zero-filled, keyed by the score as a string. */
export function distributionOf(kind: MetricKind, h: Histogram): Record<string, number> {
  const out: Record<string, number> = {};
  for (let v = SCALES[kind].min; v <= SCALES[kind].max; v++) out[String(v)] = h[v] ?? 0;
  return out;
}

function toGroup(kind: MetricKind, key: string, names: { vi: string; en: string }, locale: Locale, h: Histogram): MetricGroup {
  const result = scoreFromHistogram(kind, h);
  return { key, name: names[locale], names, n: result.n, score: result.score, moe: result.moe, lowSample: result.lowSample, distribution: distributionOf(kind, h), result };
}

/** Scores for a period grouped one way: the four steps are validate (caller), query, score, shape. */
export async function getMetricsReport(db: DataSource, q: { kind: MetricKind; by: GroupBy | DimensionBy; range: DayRange; locale: Locale }): Promise<MetricGroup[]> {
  if (isDimensionBy(q.by)) return getDimensionGroups(db, { ...q, by: q.by });
  // Named groups (every stage, touchpoint or survey, answered or not) and their histograms, read side by side.
  const [histograms, defs] = await Promise.all([
    getScoreHistograms(db, { kind: q.kind, by: q.by, from: q.range.from, to: q.range.to }),
    q.by === 'overall' || q.by === 'week' ? Promise.resolve([]) : getMetricGroups(db, q.kind, q.by),
  ]);
  if (q.by === 'overall') {
    return [toGroup(q.kind, 'overall', { vi: 'Toàn hành trình', en: 'Whole journey' }, q.locale, histograms.get('overall') ?? {})];
  }
  if (q.by === 'week') {
    const groups: MetricGroup[] = [];
    // Compared as dates, not strings: a string comparison would never end once years have more than four digits.
    for (let monday = weekStart(q.range.from); daysBetween(monday, q.range.to) >= 0; monday = addDays(monday, 7)) {
      const label = isoWeekLabel(monday);
      groups.push(toGroup(q.kind, monday, { vi: `Tuần ${label}`, en: `Week ${label}` }, q.locale, histograms.get(monday) ?? {}));
    }
    return groups;
  }
  return defs.map((d) => toGroup(q.kind, d.key, d.names, q.locale, histograms.get(d.id) ?? {}));
}

/** One group per value of a chosen segment dimension (most answers first), from its rollups once counted. */
async function getDimensionGroups(db: DataSource, q: { kind: MetricKind; by: DimensionBy; range: DayRange; locale: Locale }): Promise<MetricGroup[]> {
  const dim = await requireDimension(db, q.by);
  const byValue = (await getSegmentHistograms(db, dim, q.range, q.kind)).get(q.kind) ?? new Map();
  return scoreSegmentValues(q.kind, byValue).map((v) => toGroup(q.kind, v.value, { vi: v.value, en: v.value }, q.locale, v.histogram));
}
