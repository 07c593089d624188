import { t, type Locale } from '../../i18n';
import { compareScores, scoreFromHistogram, scoreGroup, SCALES, type Histogram, type MetricKind, type MetricResult, type ScoreGroup, type HistogramRow } from '../metrics';
import type { Formatter } from '../../web/format';

export const KINDS: MetricKind[] = ['nps', 'csat', 'ces'];
export const KIND_LABEL: Record<MetricKind, string> = { nps: 'NPS', csat: 'CSAT', ces: 'CES' };

/**
 * The score group as the CSV export writes it, in each metric's own words (the filter's promoter /
 * passive / detractor only fit NPS): a CSAT answer of 5 is "satisfied", a CES answer of 2 "difficult".
 */
export const GROUP_CODE: Record<MetricKind, Record<ScoreGroup, string>> = {
  nps: { promoter: 'promoter', passive: 'passive', detractor: 'detractor' },
  csat: { promoter: 'satisfied', passive: 'neutral', detractor: 'unsatisfied' },
  ces: { promoter: 'easy', passive: 'neutral', detractor: 'difficult' },
};

/**
 * Below this many answers a score and its margin mean nothing (0 % ±0 at n = 1, 50 % ±69 at n = 2): pages
 * show the count and "too few answers" instead. From MIN_N up to the low-sample threshold (n < 30) the
 * score shows with its margin and a low-sample badge.
 */
export const MIN_N = 10;

/** Colours shared by the stylesheet and the charts: a score group, and each metric's line. */
export const GROUP_COLOR: Record<ScoreGroup, string> = { promoter: '#1f8a4c', passive: '#b7791f', detractor: '#c53030' };
export const KIND_COLOR: Record<MetricKind, string> = { nps: '#3454d1', csat: '#0f8b8d', ces: '#8a4fd1' };

/**
 * How a score reads against its target: `low` (n < 30: never good or bad), `empty` (no answers),
 * `good` / `bad` (met or missed), `none` (no target set).
 */
export type ScoreStatus = 'good' | 'bad' | 'low' | 'empty' | 'none';

export interface ScoreView {
  kind: MetricKind;
  label: string;
  n: number;
  nText: string;
  score: number | null;
  scoreText: string;
  moe: number | null;
  moeText: string;
  lowSample: boolean;
  /** 0 < n < MIN_N: no score, no margin, only the count. */
  tooFew: boolean;
  status: ScoreStatus;
  target: number | null;
  targetText: string | null;
  targetMet: boolean | null;
  /** What the score is made of, in words: shares of promoters and detractors, the mean, the easy share. */
  detail: string;
  change: ChangeView | null;
}

export interface ChangeView {
  delta: number | null;
  deltaText: string | null;
  significant: boolean;
  direction: 'up' | 'down' | null;
  previousText: string;
}

/** Pools rows into one histogram per key (e.g. per bucket, per kind, per survey). */
export function histogramsBy(rows: HistogramRow[], keyOf: (row: HistogramRow) => string | null): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    const h = out.get(key) ?? {};
    h[row.score] = (h[row.score] ?? 0) + row.n;
    out.set(key, h);
  }
  return out;
}

function detailOf(result: MetricResult, fmt: Formatter): string {
  if (result.n === 0) return '';
  const share = (count: number) => fmt.percent((100 * count) / result.n, 0);
  switch (result.kind) {
    case 'nps':
      return t(fmt.locale, 'metrics.npsDetail', { promoters: share(result.promoters), passives: share(result.passives), detractors: share(result.detractors) });
    case 'csat':
      return result.mean === null ? '' : t(fmt.locale, 'metrics.csatDetail', { mean: fmt.number(result.mean, 2) });
    case 'ces':
      return result.easyShare === null ? '' : t(fmt.locale, 'metrics.cesDetail', { easy: fmt.percent(result.easyShare, 0) });
  }
}

/** A score ready for a tile or a cell: exact values for machines (`<data value>`), formatted text for people. */
export function scoreView(kind: MetricKind, h: Histogram, fmt: Formatter, opts: { target?: number | null; previous?: Histogram } = {}): ScoreView {
  const result = scoreFromHistogram(kind, h);
  const target = opts.target ?? null;
  const targetMet = target === null || result.score === null ? null : result.score >= target;
  const status: ScoreStatus = result.n === 0 ? 'empty' : result.lowSample ? 'low' : targetMet === null ? 'none' : targetMet ? 'good' : 'bad';
  let change: ChangeView | null = null;
  if (opts.previous) {
    const c = compareScores(kind, opts.previous, h);
    const before = scoreFromHistogram(kind, opts.previous);
    change = {
      delta: c.delta,
      deltaText: c.delta === null ? null : fmt.delta(kind, c.delta),
      significant: c.significant,
      direction: c.direction,
      previousText: before.score === null ? '–' : fmt.score(kind, before.score),
    };
  }
  return {
    kind,
    label: KIND_LABEL[kind],
    n: result.n,
    nText: fmt.count(result.n),
    score: result.score,
    scoreText: result.score === null ? '–' : fmt.score(kind, result.score),
    moe: result.moe,
    moeText: result.moe === null || result.n < MIN_N ? '' : fmt.moe(kind, result.moe),
    lowSample: result.lowSample,
    tooFew: result.n > 0 && result.n < MIN_N,
    status,
    target,
    targetText: target === null ? null : fmt.score(kind, target),
    targetMet,
    detail: result.n < MIN_N ? '' : detailOf(result, fmt),
    change,
  };
}

export interface DistributionBar { score: number; count: number; countText: string; shareText: string; group: ScoreGroup; groupLabel: string }

/** Every point of the scale with its count and share, and the group that colours its bar. */
export function distribution(kind: MetricKind, h: Histogram, fmt: Formatter): DistributionBar[] {
  const n = Object.values(h).reduce((a, b) => a + b, 0);
  const bars: DistributionBar[] = [];
  for (let v = SCALES[kind].min; v <= SCALES[kind].max; v++) {
    const count = h[v] ?? 0;
    const group = scoreGroup(kind, v);
    bars.push({ score: v, count, countText: fmt.count(count), shareText: n ? fmt.percent((100 * count) / n, 1) : '–', group, groupLabel: groupLabel(fmt.locale, kind, group) });
  }
  return bars;
}

/** NPS says promoters / passives / detractors; CSAT and CES say satisfied / neutral / dissatisfied or easy / neutral / hard. */
export function groupLabel(locale: Locale, kind: MetricKind, group: ScoreGroup): string {
  return t(locale, `metrics.group.${kind}.${group}`);
}

/** The y axis a metric's chart uses: NPS −100..100, CSAT 0..100 %, CES 1..7. */
export const AXIS: Record<MetricKind, { min: number; max: number; percent: boolean }> = {
  nps: { min: -100, max: 100, percent: false },
  csat: { min: 0, max: 100, percent: true },
  ces: { min: 1, max: 7, percent: false },
};
