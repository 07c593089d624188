import type { DataSource } from 'typeorm';
import type { Locale } from '../../i18n';
import { addDays, daysBetween, isoWeekLabel, weekStart } from '../../time';
import { METRICS_PAGE_DEFAULT } from './metrics.schemas';
import { scoreFromHistogram, SCALES, type Histogram, type MetricKind, type MetricResult } from './scoring';
import { getScoreHistograms, type GroupBy } from './queries/getScoreHistograms';
import { getHistogramRows } from './queries/getHistogramRows';
import { getMetricGroups } from './queries/getMetricGroups';
import { getMetricGroupPage } from './queries/getMetricGroupPage';
import { encodeOrderCursor, type DayRange } from '../../web/params';
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

export interface MetricsReport {
  groups: MetricGroup[];
  /** by=touchpoint|survey: the cursor of the next page, null after the last; always null for the other groupings. */
  nextCursor: string | null;
}

/**
 * Scores for a period grouped one way: the four steps are validate (caller), query, score, shape. By
 * touchpoint or survey (a chain has a thousand) one page at a time in journey order: the page's groups
 * first, then the scores of their surveys only, so that a call reads rows bounded by what it returns.
 */
export async function getMetricsReport(
  db: DataSource,
  q: { kind: MetricKind; by: GroupBy | DimensionBy; range: DayRange; locale: Locale; limit?: number; after?: string[] },
): Promise<MetricsReport> {
  if (isDimensionBy(q.by)) return { groups: await getDimensionGroups(db, { ...q, by: q.by }), nextCursor: null };
  if (q.by === 'touchpoint' || q.by === 'survey') {
    const limit = q.limit ?? METRICS_PAGE_DEFAULT;
    const defs = await getMetricGroupPage(db, q.kind, q.by, { limit, after: q.after });
    const page = defs.slice(0, limit);
    const surveyIds = page.flatMap((d) => d.surveyIds ?? []);
    const rows = await getHistogramRows(db, { buckets: [{ key: 'period', from: q.range.from, to: q.range.to }], kind: q.kind, surveyIds, per: q.by });
    const histograms = new Map<string, Histogram>();
    for (const row of rows) {
      const h = histograms.get(row.group) ?? {};
      h[row.score] = (h[row.score] ?? 0) + row.n;
      histograms.set(row.group, h);
    }
    return {
      groups: page.map((d) => toGroup(q.kind, d.key, d.names, q.locale, histograms.get(d.id) ?? {})),
      nextCursor: defs.length > limit ? encodeOrderCursor(page[page.length - 1].order ?? []) : null,
    };
  }
  // Named groups (every stage) and their histograms, read side by side.
  const [histograms, defs] = await Promise.all([
    getScoreHistograms(db, { kind: q.kind, by: q.by, from: q.range.from, to: q.range.to }),
    q.by === 'stage' ? getMetricGroups(db, q.kind, q.by) : Promise.resolve([]),
  ]);
  if (q.by === 'overall') {
    return { groups: [toGroup(q.kind, 'overall', { vi: 'Toàn hành trình', en: 'Whole journey' }, q.locale, histograms.get('overall') ?? {})], nextCursor: null };
  }
  if (q.by === 'week') {
    const groups: MetricGroup[] = [];
    // Compared as dates, not strings: a string comparison would never end once years have more than four digits.
    for (let monday = weekStart(q.range.from); daysBetween(monday, q.range.to) >= 0; monday = addDays(monday, 7)) {
      const label = isoWeekLabel(monday);
      groups.push(toGroup(q.kind, monday, { vi: `Tuần ${label}`, en: `Week ${label}` }, q.locale, histograms.get(monday) ?? {}));
    }
    return { groups, nextCursor: null };
  }
  return { groups: defs.map((d) => toGroup(q.kind, d.key, d.names, q.locale, histograms.get(d.id) ?? {})), nextCursor: null };
}

/** One group per value of a chosen segment dimension (most answers first), from its rollups once counted. */
async function getDimensionGroups(db: DataSource, q: { kind: MetricKind; by: DimensionBy; range: DayRange; locale: Locale }): Promise<MetricGroup[]> {
  const dim = await requireDimension(db, q.by);
  const byValue = (await getSegmentHistograms(db, dim, q.range, q.kind)).get(q.kind) ?? new Map();
  return scoreSegmentValues(q.kind, byValue).map((v) => toGroup(q.kind, v.value, { vi: v.value, en: v.value }, q.locale, v.histogram));
}
