import { t } from '../../i18n';
import { addDays, isoWeekLabel, weekStart } from '../../time';
import { scoreFromHistogram, type Histogram, type MetricKind, type Bucket, weekBuckets } from '../metrics';
import type { DayRange } from '../../web/params';
import { chartJson, type ChartAxis } from './chart';
import type { Formatter } from '../../web/format';
import { AXIS, KIND_COLOR, KIND_LABEL, MIN_N } from './score-view';

/** Trends show at least twelve weeks, ending with the period's last (possibly partial) week. */
const MIN_TREND_WEEKS = 12;

export function trendBuckets(period: DayRange): Bucket[] {
  const earliest = addDays(weekStart(period.to), -7 * (MIN_TREND_WEEKS - 1));
  return weekBuckets(period.from < earliest ? period.from : earliest, period.to);
}

export interface TrendRow { weekLabel: string; dayText: string; nText: string; scoreText: string; moeText: string; lowSample: boolean }

export interface TrendView {
  kind: MetricKind;
  title: string;
  chart: string;
  rows: TrendRow[];
  hasData: boolean;
}

/** A y range that fits the line and its band, padded, within the metric's scale: small changes stay visible. */
function fitAxis(kind: MetricKind, values: number[]): ChartAxis {
  const axis = AXIS[kind];
  const decimals = kind === 'ces' ? 1 : 0;
  if (values.length === 0) return { min: axis.min, max: axis.max, decimals, percent: axis.percent };
  // Bounds on the tick grid, at most ten steps (Chart.js otherwise drops the step and labels -10, 8, 27…):
  // 10 points (20, 25, 50 for wider ranges), half a CES point (or one).
  const steps = kind === 'ces' ? [0.5, 1] : [10, 20, 25, 50];
  const lo = Math.max(axis.min, Math.min(...values));
  const hi = Math.min(axis.max, Math.max(...values));
  const step = steps.find((s) => (Math.ceil(hi / s) - Math.floor(lo / s)) <= 10) ?? steps[steps.length - 1];
  const min = Math.max(axis.min, Math.floor(lo / step) * step);
  const max = Math.min(axis.max, Math.ceil(hi / step) * step);
  return { min: min < max ? min : axis.min, max: min < max ? max : axis.max, step, decimals, percent: axis.percent };
}

/** Weekly scores of one metric with the 95 % margin of error as a band, and the same as table rows. */
export function trendView(kind: MetricKind, buckets: Bucket[], histograms: Map<string, Histogram>, fmt: Formatter): TrendView {
  const results = buckets.map((b) => scoreFromHistogram(kind, histograms.get(b.key) ?? {}));
  // Weeks with too few answers get no point and no band (a margin of ±69 says nothing); the band stays
  // inside the scale (a CSAT share cannot go below 0 %), so the axis never has to cut it off.
  const shown = results.map((r) => r.score !== null && r.n >= MIN_N);
  const score = results.map((r, i) => (shown[i] ? r.score : null));
  const { min, max } = AXIS[kind];
  const lower = results.map((r, i) => (!shown[i] || r.moe === null ? null : Math.max(min, (r.score as number) - r.moe)));
  const upper = results.map((r, i) => (!shown[i] || r.moe === null ? null : Math.min(max, (r.score as number) + r.moe)));
  const present = [...score, ...lower, ...upper].filter((v): v is number => v !== null);
  const chart = chartJson({
    type: 'line',
    labels: buckets.map((b) => fmt.day(b.key, 'short')),
    series: [{
      label: KIND_LABEL[kind], data: score, color: KIND_COLOR[kind], lowSample: results.map((r) => r.lowSample),
      band: { label: t(fmt.locale, 'metrics.moeBand'), lower, upper },
    }],
    y: fitAxis(kind, present),
    locale: fmt.intlLocale,
  });
  return {
    kind,
    title: t(fmt.locale, 'metrics.weeklyTrend', { metric: KIND_LABEL[kind] }),
    chart,
    hasData: results.some((r) => r.n > 0),
    rows: buckets.map((b, i) => ({
      weekLabel: isoWeekLabel(b.key),
      dayText: fmt.day(b.key),
      nText: fmt.count(results[i].n),
      scoreText: results[i].score === null || !shown[i] ? '–' : fmt.score(kind, results[i].score as number),
      moeText: results[i].n > 0 && !shown[i] ? t(fmt.locale, 'metrics.tooFew') : results[i].moe === null ? '' : fmt.moe(kind, results[i].moe as number),
      lowSample: results[i].n > 0 && results[i].lowSample,
    })),
  };
}
