import type { Localized } from '../../i18n';
import {
  compareScores, LOW_SAMPLE_THRESHOLD, SCALES, scoreFromHistogram, scoreGroup,
  type Histogram, type MetricKind, type ResponseRate, type ScoreComparison, type ScoreGroup,
} from '../metrics';
import type { DigestPeriod } from './digest.period';
import type { FollowUpHealth } from './queries/getFollowUpHealth';
import type { Verbatim } from './queries/getRecentVerbatims';

/**
 * A digest's figures, as read once per period (histograms from the rollups, follow-ups, verbatims,
 * response rates), and the report scored from them with scoring.ts. Neither depends on the reader's
 * language: the content is built once and then written out in each language.
 */

export const KINDS: MetricKind[] = ['nps', 'csat', 'ces'];

/** The period's and the previous period's counts of one group. */
export interface HistogramPair { current: Histogram; previous: Histogram }

export interface DigestFigures {
  period: DigestPeriod;
  brand: string;
  /** The metrics with at least one survey: the others are left out of the digest. */
  kinds: MetricKind[];
  overall: Record<MetricKind, HistogramPair>;
  /** Every stage in journey order, with the metrics it has surveys of. */
  stages: Array<{ key: string; names: Localized; scores: Partial<Record<MetricKind, HistogramPair>> }>;
  /** Every touchpoint with a survey, in journey order. */
  touchpoints: Array<{ key: string; names: Localized; stage: Localized; scores: Partial<Record<MetricKind, HistogramPair>> }>;
  /** Mondays of the twelve weeks the trend shows, the period's own week last. */
  trendWeeks: string[];
  trend: Record<MetricKind, Histogram[]>;
  followUps: FollowUpHealth;
  /** Contacts at risk when the digest is built (journey analytics). */
  atRisk: number;
  verbatims: Verbatim[];
  responseRate: { current: ResponseRate; previous: ResponseRate };
  /** Detractor themes of the whole journey whose share grew significantly against the week before (weekly digests). */
  themesThatGrew: GrownTheme[];
}

export interface GrownTheme { phrase: string; language: 'vi' | 'en'; count: number; share: number; previousShare: number | null; example: string | null }

export interface ScoreFigure {
  kind: MetricKind;
  n: number;
  score: number | null;
  moe: number | null;
  lowSample: boolean;
  previous: { n: number; score: number | null; moe: number | null };
  change: ScoreComparison;
}

export interface Mover {
  touchpointKey: string;
  names: Localized;
  stage: Localized;
  figure: ScoreFigure;
}

export interface DigestReport {
  period: DigestPeriod;
  /** Answers in the period, every metric together. */
  responses: number;
  overall: ScoreFigure[];
  stages: Array<{ key: string; names: Localized; cells: Array<{ kind: MetricKind; figure: ScoreFigure | null }> }>;
  movers: { up: Mover[]; down: Mover[] };
  trend: Array<{ week: string; cells: Array<{ kind: MetricKind; n: number; score: number | null; moe: number | null; lowSample: boolean }> }>;
  followUps: FollowUpHealth;
  /** Contacts at risk when the digest is built (journey analytics). */
  atRisk: number;
  verbatims: Array<Verbatim & { group: ScoreGroup }>;
  responseRate: DigestFigures['responseRate'];
  themesThatGrew: GrownTheme[];
}

/** How many movers each way the digest lists. */
export const MOVERS_PER_DIRECTION = 3;

export function scoreFigure(kind: MetricKind, pair: HistogramPair): ScoreFigure {
  const now = scoreFromHistogram(kind, pair.current);
  const before = scoreFromHistogram(kind, pair.previous);
  return {
    kind, n: now.n, score: now.score, moe: now.moe, lowSample: now.lowSample,
    previous: { n: before.n, score: before.score, moe: before.moe },
    change: compareScores(kind, pair.previous, pair.current),
  };
}

/** A move counts when it is significant and both weeks have enough answers to be read (n ≥ 30). */
function qualifies(f: ScoreFigure): boolean {
  return f.change.significant && f.n >= LOW_SAMPLE_THRESHOLD && f.previous.n >= LOW_SAMPLE_THRESHOLD && f.change.delta !== null;
}

/** A change as a share of its metric's whole range (NPS 200 points, CSAT 100, CES 6), to rank metrics together. */
function relativeChange(f: ScoreFigure): number {
  const span = f.kind === 'nps' ? 200 : f.kind === 'csat' ? 100 : SCALES.ces.max - SCALES.ces.min;
  return (f.change.delta ?? 0) / span;
}

/**
 * The touchpoints that improved and declined most: significant changes with enough answers only, ranked by
 * the change relative to the metric's range. Empty lists mean "no significant change", never noise.
 */
export function findMovers(touchpoints: DigestFigures['touchpoints']): DigestReport['movers'] {
  const candidates: Mover[] = [];
  for (const tp of touchpoints) {
    for (const kind of KINDS) {
      const pair = tp.scores[kind];
      if (!pair) continue;
      const figure = scoreFigure(kind, pair);
      if (qualifies(figure)) candidates.push({ touchpointKey: tp.key, names: tp.names, stage: tp.stage, figure });
    }
  }
  const byChange = (a: Mover, b: Mover) => relativeChange(b.figure) - relativeChange(a.figure) || a.touchpointKey.localeCompare(b.touchpointKey);
  const sorted = candidates.sort(byChange);
  return {
    up: sorted.filter((m) => m.figure.change.direction === 'up').slice(0, MOVERS_PER_DIRECTION),
    down: sorted.filter((m) => m.figure.change.direction === 'down').reverse().slice(0, MOVERS_PER_DIRECTION),
  };
}

export function buildReport(f: DigestFigures): DigestReport {
  const overall = f.kinds.map((kind) => scoreFigure(kind, f.overall[kind]));
  return {
    period: f.period,
    responses: overall.reduce((sum, x) => sum + x.n, 0),
    overall,
    stages: f.stages.map((s) => ({
      key: s.key,
      names: s.names,
      cells: f.kinds.map((kind) => ({ kind, figure: s.scores[kind] ? scoreFigure(kind, s.scores[kind]) : null })),
    })),
    movers: findMovers(f.touchpoints),
    trend: f.trendWeeks.map((week, i) => ({
      week,
      cells: f.kinds.map((kind) => {
        const r = scoreFromHistogram(kind, f.trend[kind][i]);
        return { kind, n: r.n, score: r.score, moe: r.moe, lowSample: r.lowSample };
      }),
    })),
    followUps: f.followUps,
    atRisk: f.atRisk,
    verbatims: f.verbatims.map((v) => ({ ...v, group: scoreGroup(v.kind, v.score) })),
    responseRate: f.responseRate,
    themesThatGrew: f.themesThatGrew,
  };
}
