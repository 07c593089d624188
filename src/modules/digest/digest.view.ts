import { t, type Locale } from '../../i18n';
import { SCALES, type MetricKind, type ResponseRate } from '../metrics';
import { GROUP_COLOR, groupLabel, KIND_LABEL } from '../dashboard';
import type { Formatter } from '../../web/format';
import { chartHeight, CHART_WIDTH } from './digest.chart';
import type { DigestPeriod } from './digest.period';
import type { DigestReport, Mover, ScoreFigure } from './digest.report';

/**
 * The digest written out in one language: every figure formatted by the one formatter, every colour
 * decided here (the templates only place them). Colours follow SPEC §3: a change is green or red only when
 * it is significant and both periods have 30 answers or more; low samples are marked and stay grey.
 */

export type Audience = 'user' | 'extra';

/** Replaced by each recipient's own unsubscribe link when the email is sent. */
export const UNSUBSCRIBE_PLACEHOLDER = '%%DIGEST_UNSUBSCRIBE_URL%%';

const COLOR = { good: GROUP_COLOR.promoter, bad: GROUP_COLOR.detractor, neutral: '#5b6478' };

export interface ChangeCell {
  arrow: '▲' | '▼' | null;
  /** What a screen reader says for the arrow. */
  arrowLabel: string;
  text: string;
  color: string;
  note: string;
}

export interface FigureCell {
  label: string;
  scoreText: string;
  moeText: string;
  nText: string;
  lowSample: boolean;
  change: ChangeCell;
  previousText: string;
}

function changeCell(f: ScoreFigure, fmt: Formatter): ChangeCell {
  const c = f.change;
  if (c.delta === null) return { arrow: null, arrowLabel: '', text: '–', color: COLOR.neutral, note: t(fmt.locale, 'metrics.noComparison') };
  const text = fmt.delta(f.kind, c.delta);
  if (!c.significant || !c.direction) return { arrow: null, arrowLabel: '', text, color: COLOR.neutral, note: t(fmt.locale, 'metrics.notSignificant') };
  const judged = !f.lowSample && f.previous.n >= 30;
  return {
    arrow: c.direction === 'up' ? '▲' : '▼',
    arrowLabel: t(fmt.locale, c.direction === 'up' ? 'metrics.significantUp' : 'metrics.significantDown'),
    text,
    color: judged ? (c.direction === 'up' ? COLOR.good : COLOR.bad) : COLOR.neutral,
    note: '',
  };
}

function figureCell(f: ScoreFigure, fmt: Formatter): FigureCell {
  return {
    label: KIND_LABEL[f.kind],
    scoreText: f.score === null ? '–' : fmt.score(f.kind, f.score),
    moeText: f.moe === null ? '' : fmt.moe(f.kind, f.moe),
    nText: fmt.count(f.n),
    lowSample: f.n > 0 && f.lowSample,
    change: changeCell(f, fmt),
    previousText: f.previous.score === null ? '–' : fmt.score(f.kind, f.previous.score),
  };
}

function periodText(p: DigestPeriod, fmt: Formatter): string {
  return p.from === p.to ? fmt.day(p.from) : `${fmt.day(p.from)} – ${fmt.day(p.to)}`;
}

/** `/overview?period=custom&from=…&to=…`: the dashboard with the digest's period selected. */
export function dashboardLink(baseUrl: string, path: string, p: { from: string; to: string }, extra: Record<string, string> = {}): string {
  return `${baseUrl}${path}?${new URLSearchParams({ period: 'custom', from: p.from, to: p.to, ...extra }).toString()}`;
}

function age(since: Date, now: Date, locale: Locale): string {
  const hours = Math.floor((now.getTime() - since.getTime()) / 3_600_000);
  if (hours < 1) return t(locale, 'digest.age.minutes');
  if (hours < 48) return hours < 24 ? t(locale, 'digest.age.hours', { n: hours }) : t(locale, 'digest.age.day');
  return t(locale, 'digest.age.days', { n: Math.floor(hours / 24) });
}

function moverView(m: Mover, fmt: Formatter, baseUrl: string, p: DigestPeriod) {
  const cell = figureCell(m.figure, fmt);
  return {
    name: m.names[fmt.locale],
    stage: m.stage[fmt.locale],
    url: dashboardLink(baseUrl, `/touchpoints/${encodeURIComponent(m.touchpointKey)}`, p),
    line: t(fmt.locale, 'digest.moverLine', { metric: cell.label, score: cell.scoreText, delta: cell.change.text, previous: cell.previousText, n: cell.nText }),
    change: cell.change,
  };
}

function rateText(r: ResponseRate, fmt: Formatter): string {
  return r.rate === null ? '–' : fmt.percent(r.rate, 1);
}

export interface DigestViewOptions {
  baseUrl: string;
  audience: Audience;
  /** Where the chart image is: `cid:…` in the email, a data: URL in the dashboard preview. */
  chartSrc: string | null;
  /** When the content is built: the follow-ups' waiting time is measured from here. */
  now: Date;
}

/** Everything the digest templates show, in one language. */
export function digestView(report: DigestReport, brand: string, kinds: MetricKind[], fmt: Formatter, opts: DigestViewOptions) {
  const locale = fmt.locale;
  const p = report.period;
  const freq = p.frequency;
  const period = periodText(p, fmt);
  const { baseUrl } = opts;
  const rate = report.responseRate;
  const subject = t(locale, `digest.subject.${freq}`, { brand, period });
  return {
    locale,
    subject,
    title: t(locale, `digest.title.${freq}`),
    brand,
    periodText: period,
    intro: t(locale, `digest.intro.${freq}`, { brand, period }),
    answersText: t(locale, 'digest.answers', { count: fmt.count(report.responses) }),
    empty: report.responses === 0,
    noFeedback: t(locale, `digest.noFeedback.${freq}`, { period }),
    previousLabel: t(locale, `digest.previous.${freq}`),
    tiles: report.overall.map((f) => figureCell(f, fmt)),
    kindLabels: kinds.map((k) => KIND_LABEL[k]),
    stages: report.stages
      .filter((s) => s.cells.some((c) => c.figure !== null))
      .map((s) => ({
        name: s.names[locale],
        cells: s.cells.map((c) => (c.figure ? { has: true, ...figureCell(c.figure, fmt) } : { has: false, label: KIND_LABEL[c.kind] })),
      })),
    movers: {
      up: report.movers.up.map((m) => moverView(m, fmt, baseUrl, p)),
      down: report.movers.down.map((m) => moverView(m, fmt, baseUrl, p)),
      none: report.movers.up.length === 0 && report.movers.down.length === 0,
      noneText: t(locale, `digest.noMovers.${freq}`),
    },
    followUps: {
      activeText: fmt.count(report.followUps.active),
      openedText: fmt.count(report.followUps.opened),
      oldestText: report.followUps.oldestActiveAt ? age(report.followUps.oldestActiveAt, opts.now, locale) : null,
    },
    atRisk: { text: t(locale, 'analytics.atRisk.count', { count: fmt.count(report.atRisk) }), href: `${baseUrl}/analytics/at-risk` },
    verbatims: report.verbatims.map((v) => ({
      comment: v.comment,
      scoreText: `${v.score}/${SCALES[v.kind].max}`,
      metric: KIND_LABEL[v.kind],
      group: groupLabel(locale, v.kind, v.group),
      color: GROUP_COLOR[v.group],
      place: v.place ? v.place[locale] : t(locale, 'metrics.wholeJourney'),
      date: fmt.date(new Date(v.answeredAt)),
    })),
    themesGrew: report.themesThatGrew.map((x) => ({
      phrase: x.phrase,
      language: x.language,
      line: t(locale, 'digest.themeGrewLine', { count: fmt.count(x.count), share: fmt.percent(100 * x.share, 1), previous: x.previousShare === null ? '–' : fmt.percent(100 * x.previousShare, 1) }),
      example: x.example,
    })),
    health: {
      sent: rate.current.sent > 0,
      sentText: fmt.count(rate.current.sent),
      answeredText: fmt.count(rate.current.responded),
      rateText: rateText(rate.current, fmt),
      previousRateText: rateText(rate.previous, fmt),
      changeText: rate.current.rate !== null && rate.previous.rate !== null
        ? t(locale, 'digest.points', { delta: fmt.number(rate.current.rate - rate.previous.rate, 1, true) }) : null,
    },
    trend: {
      chartSrc: opts.chartSrc,
      chartWidth: CHART_WIDTH,
      chartHeight: chartHeight(kinds.length),
      rows: report.trend.map((w) => ({
        weekText: fmt.day(w.week, 'short'),
        cells: w.cells.map((c) => ({
          scoreText: c.score === null ? '–' : fmt.score(c.kind, c.score),
          nText: fmt.count(c.n),
          lowSample: c.n > 0 && c.lowSample,
        })),
      })),
    },
    links: {
      overview: dashboardLink(baseUrl, '/overview', p),
      journeyMap: dashboardLink(baseUrl, '/journey-map', p),
      responses: dashboardLink(baseUrl, '/responses', p),
      detractors: dashboardLink(baseUrl, '/responses', p, { group: 'detractor' }),
      themes: dashboardLink(baseUrl, '/themes', p, { group: 'detractor' }),
      followUps: `${baseUrl}/follow-ups`,
      preferences: opts.audience === 'user' ? `${baseUrl}/profile/digest` : null,
      unsubscribe: UNSUBSCRIBE_PLACEHOLDER,
    },
    footer: t(locale, opts.audience === 'user' ? 'digest.footer.user' : 'digest.footer.extra', { brand }),
  };
}
