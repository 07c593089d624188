import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { FRAMEWORK_FIELDS } from '../journeys/stage.entity';
import {
  type DashboardFilters, getHistogramRows, getJourneyMapScores, getJourneyOutline, getTouchpointsById, searchStageTouchpoints, targetFor, scoreFromHistogram,
  SCALES, type CatalogStage, type ShownTouchpoint, type Histogram, type HistogramRow, type JourneyMapScoreRow, type JourneyOutline, type MetricKind,
} from '../metrics';
import { getDriverBadges } from '../analytics';
import { chartJson } from './chart';
import type { Formatter } from '../../web/format';
import { KIND_COLOR, KIND_LABEL, KINDS, scoreView, type ScoreView } from './score-view';
import { getPainPoints, painPointView } from '../themes';

/** A stage with more touchpoints than this shows those most in need of attention and the best, and a link to all. */
export const STAGE_CELLS_IN_FULL = 8;
export const ATTENTION_CELLS = 5;
export const BEST_CELLS = 3;
/** Touchpoints per page of a stage's full list. */
export const STAGE_PAGE_SIZE = 25;

export interface JourneyCell { key: string; name: string; channel: string; scores: ScoreView[]; driver?: { rank: number }; painPoint?: ReturnType<typeof painPointView> }
export interface JourneyStage {
  key: string;
  name: string;
  scores: ScoreView[];
  framework: Array<{ label: string; text: string }>;
  /** Every touchpoint in journey order (a small stage), or empty when the stage is condensed. */
  touchpoints: JourneyCell[];
  condensed: boolean;
  attention: JourneyCell[];
  best: JourneyCell[];
  /** Touchpoints in the stage, and those ranked (enough answers in the period). */
  total: number;
  totalText: string;
  ranked: number;
}
export interface JourneyCurveRow { stage: string; cells: Array<{ text: string }> }

export interface JourneyMap {
  overall: ScoreView[];
  stages: JourneyStage[];
  curve: { chart: string; kinds: string[]; rows: JourneyCurveRow[] } | null;
}

type KindHistograms = Map<MetricKind, Histogram>;

/** Every level of the map from the per-place rows ("stage:touchpoint:kind"), pooled in one pass. */
interface Pooled {
  overall: KindHistograms;
  stages: Map<number, KindHistograms>;
  touchpoints: Map<number, KindHistograms>;
  /** The stage of each touchpoint that has answers (per-place rows only). */
  touchpointStage: Map<number, number>;
}

function add(map: Map<number, KindHistograms>, id: number, kind: MetricKind, score: number, n: number): void {
  const byKind = map.get(id) ?? new Map<MetricKind, Histogram>();
  const h = byKind.get(kind) ?? {};
  h[score] = (h[score] ?? 0) + n;
  byKind.set(kind, h);
  map.set(id, byKind);
}

function pool(rows: HistogramRow[]): Pooled {
  const out: Pooled = { overall: new Map(), stages: new Map(), touchpoints: new Map(), touchpointStage: new Map() };
  for (const row of rows) {
    const [stage, touchpoint, kind] = row.group.split(':') as [string, string, MetricKind];
    const h = out.overall.get(kind) ?? {};
    h[row.score] = (h[row.score] ?? 0) + row.n;
    out.overall.set(kind, h);
    if (stage) add(out.stages, Number(stage), kind, row.score, row.n);
    if (touchpoint) add(out.touchpoints, Number(touchpoint), kind, row.score, row.n);
    if (stage && touchpoint) out.touchpointStage.set(Number(touchpoint), Number(stage));
  }
  return out;
}

/** The same levels from rows already pooled per level in SQL (getJourneyMapScores). */
function poolLevels(rows: JourneyMapScoreRow[]): Pooled {
  const out: Pooled = { overall: new Map(), stages: new Map(), touchpoints: new Map(), touchpointStage: new Map() };
  for (const row of rows) {
    if (row.touchpointId !== null) add(out.touchpoints, row.touchpointId, row.kind, row.score, row.n);
    else if (row.stageId !== null) add(out.stages, row.stageId, row.kind, row.score, row.n);
    else {
      const h = out.overall.get(row.kind) ?? {};
      h[row.score] = (h[row.score] ?? 0) + row.n;
      out.overall.set(row.kind, h);
    }
  }
  return out;
}

/** The kinds that have surveys in the journey and in each stage: a level shows a chip per kind, "–" when nobody answered. */
function kindsByStage(outline: JourneyOutline) {
  const overall = new Set<MetricKind>();
  const stages = new Map<number, Set<MetricKind>>();
  for (const p of outline.stageKinds) {
    overall.add(p.kind);
    if (p.stageId !== null) stages.set(p.stageId, (stages.get(p.stageId) ?? new Set()).add(p.kind));
  }
  return { overall, stages };
}

/**
 * Where a touchpoint stands, for ranking: over its metrics with enough answers (not a low sample), the
 * worst distance to the nearest target as a share of the scale (to the scale's middle when no target is
 * set). Null when no metric has enough answers: such a touchpoint is never called worst or best.
 */
function standing(outline: JourneyOutline, stageId: number, touchpointId: number, kinds: Set<MetricKind>, histograms: KindHistograms | undefined): number | null {
  let worst: number | null = null;
  for (const kind of kinds) {
    const result = scoreFromHistogram(kind, histograms?.get(kind) ?? {});
    if (result.score === null || result.lowSample) continue;
    const scale = SCALES[kind];
    const [lo, hi] = kind === 'nps' ? [-100, 100] : kind === 'csat' ? [0, 100] : [scale.min, scale.max];
    const target = targetFor(outline, kind, { stageId, touchpointId }) ?? (lo + hi) / 2;
    const gap = (result.score - target) / (hi - lo);
    if (worst === null || gap < worst) worst = gap;
  }
  return worst;
}

function cell(outline: JourneyOutline, tp: ShownTouchpoint, histograms: KindHistograms | undefined, fmt: Formatter, badges?: Map<number, { rank: number }>): JourneyCell {
  const kinds = new Set(tp.kinds);
  return {
    driver: badges?.get(tp.id),
    key: tp.key,
    name: tp.names[fmt.locale],
    channel: t(fmt.locale, `metrics.touchpointChannel.${tp.channel}`),
    scores: KINDS.filter((k) => kinds.has(k)).map((k) => scoreView(k, histograms?.get(k) ?? {}, fmt, { target: targetFor(outline, k, { stageId: tp.stageId, touchpointId: tp.id }) })),
  };
}

/**
 * Stages in order as columns. Every score is pooled from the answers themselves (a stage's NPS pools all
 * NPS answers of the stage, never an average of touchpoint scores) and coloured against the nearest
 * target: the touchpoint's, else the stage's, else the journey's. A small stage lists all its touchpoints;
 * a large one (a chain's 200 stores) the few most in need of attention, the best, and a link to all of
 * them ranked (getStageTouchpoints). One read of the rollups for every level; names only of the shown.
 */
export async function getJourneyMap(db: DataSource, f: DashboardFilters, fmt: Formatter): Promise<JourneyMap> {
  const period = { key: 'current', ...f.period };
  // Without a channel or attribute filter (the common case) PostgreSQL pools and ranks, and only the shown
  // levels come back; a filtered map reads every place's counts and ranks them here, the same way.
  const ranked = !f.channel && !f.attribute;
  const [base, rows, scores, badges] = await Promise.all([
    getJourneyOutline(db, { withPlaces: !ranked }),
    ranked ? Promise.resolve([]) : getHistogramRows(db, { buckets: [period], channel: f.channel, attribute: f.attribute, timeZone: fmt.timeZone, per: 'place' }),
    ranked ? getJourneyMapScores(db, { from: f.period.from, to: f.period.to, fullAtMost: STAGE_CELLS_IN_FULL, attention: ATTENTION_CELLS, best: BEST_CELLS }) : Promise.resolve(null),
    getDriverBadges(db),
  ]);
  const outline = scores ? { ...base, stageKinds: scores.stageKinds, touchpointCounts: scores.touchpointCounts } : base;
  const pooled = scores ? poolLevels(scores.rows) : pool(rows);
  const kinds = kindsByStage(outline);
  const views = (have: Set<MetricKind> | undefined, groups: KindHistograms | undefined, at: { stageId?: number }) =>
    KINDS.filter((k) => have?.has(k)).map((k) => scoreView(k, groups?.get(k) ?? {}, fmt, { target: targetFor(outline, k, at) }));

  // Rank the touchpoints of each large stage; small stages show every touchpoint.
  const ranking = new Map<number, { attention: number[]; best: number[]; ranked: number }>();
  const small: number[] = [];
  for (const stage of outline.stages) {
    if ((outline.touchpointCounts.get(stage.id) ?? 0) <= STAGE_CELLS_IN_FULL) {
      small.push(stage.id);
      continue;
    }
    if (scores) {
      ranking.set(stage.id, scores.ranking.get(stage.id) ?? { attention: [], best: [], ranked: 0 });
      continue;
    }
    // Only a touchpoint with answers can stand anywhere (a kind nobody answered has no score).
    const ranked: Array<{ id: number; at: number }> = [];
    for (const [id, histograms] of pooled.touchpoints) {
      if (pooled.touchpointStage.get(id) !== stage.id) continue;
      const at = standing(outline, stage.id, id, new Set(histograms.keys()), histograms);
      if (at !== null) ranked.push({ id, at });
    }
    ranked.sort((a, b) => a.at - b.at || a.id - b.id);
    const attention = ranked.slice(0, ATTENTION_CELLS).map((r) => r.id);
    const best = ranked.slice(ATTENTION_CELLS).slice(-BEST_CELLS).reverse().map((r) => r.id);
    ranking.set(stage.id, { attention, best, ranked: ranked.length });
  }
  const shown = await getTouchpointsById(db, [...ranking.values()].flatMap((r) => [...r.attention, ...r.best]), small);
  const byId = new Map(shown.map((tp) => [tp.id, tp]));
  // Each shown cell's top pain point (comment themes): one read for all of them.
  const pains = await getPainPoints(db, shown.map((tp) => tp.id), f.period);
  const cellOf = (id: number): JourneyCell => {
    const tp = byId.get(id) as ShownTouchpoint;
    return { ...cell(outline, tp, pooled.touchpoints.get(id), fmt, badges), painPoint: painPointView(pains.get(id), fmt) };
  };

  const stages: JourneyStage[] = outline.stages.map((stage) => {
    const rank = ranking.get(stage.id);
    const total = outline.touchpointCounts.get(stage.id) ?? 0;
    return {
      key: stage.key,
      name: stage.names[fmt.locale],
      scores: views(kinds.stages.get(stage.id), pooled.stages.get(stage.id), { stageId: stage.id }),
      framework: FRAMEWORK_FIELDS
        .map((field) => ({ label: t(fmt.locale, `metrics.framework.${field}`), text: stage.framework?.[field]?.[fmt.locale] ?? '' }))
        .filter((x) => x.text),
      touchpoints: rank ? [] : shown.filter((tp) => tp.stageId === stage.id).map((tp) => cellOf(tp.id)),
      condensed: !!rank,
      attention: rank ? rank.attention.map(cellOf) : [],
      best: rank ? rank.best.map(cellOf) : [],
      total,
      totalText: fmt.count(total),
      ranked: rank?.ranked ?? 0,
    };
  });
  const overall = views(kinds.overall, pooled.overall, {});
  return { overall, stages, curve: journeyCurve(stages, fmt) };
}

/** The journey curve: each stage's pooled score per metric; NPS and CSAT share the −100..100 axis, CES has its own. */
function journeyCurve(stages: JourneyStage[], fmt: Formatter): JourneyMap['curve'] {
  const kinds = KINDS.filter((k) => stages.some((s) => s.scores.some((v) => v.kind === k)));
  if (kinds.length === 0 || stages.length === 0) return null;
  return {
    chart: chartJson({
      type: 'line',
      labels: stages.map((s) => s.name),
      series: kinds.map((k) => ({
        label: k === 'csat' ? `${KIND_LABEL[k]} (%)` : KIND_LABEL[k],
        data: stages.map((s) => s.scores.find((v) => v.kind === k)?.score ?? null),
        color: KIND_COLOR[k],
        axis: k === 'ces' ? 'y2' as const : 'y' as const,
      })),
      y: { min: kinds.includes('nps') ? -100 : 0, max: 100, step: 25, decimals: 0, title: kinds.filter((k) => k !== 'ces').map((k) => KIND_LABEL[k]).join(' · ') },
      y2: kinds.includes('ces') ? { min: 1, max: 7, step: 1, decimals: 0, title: 'CES' } : undefined,
      locale: fmt.intlLocale,
    }),
    kinds: kinds.map((k) => KIND_LABEL[k]),
    rows: stages.map((s) => ({
      stage: s.name,
      cells: kinds.map((k) => {
        const v = s.scores.find((x) => x.kind === k);
        return { text: v && v.score !== null ? `${v.scoreText} (n = ${v.nText})` : '–' };
      }),
    })),
  };
}

export interface StageTouchpoints {
  stage: CatalogStage;
  name: string;
  scores: ScoreView[];
  /** This page's touchpoints, ranked: most in need of attention first, those without enough answers last. */
  cells: Array<JourneyCell & { rank: number; ranked: boolean }>;
  /** Touchpoints matching the search, and the page (1-based) and pages. */
  matches: number;
  matchesText: string;
  page: number;
  pages: number;
  search: string;
}

/**
 * All touchpoints of one stage, sorted by where they stand against their targets (as the map ranks
 * them), filtered by a search on their names, one page at a time. Null for an unknown stage key.
 */
export async function getStageTouchpoints(db: DataSource, stageKey: string, f: DashboardFilters, fmt: Formatter, q: { search: string; page: number }): Promise<StageTouchpoints | null> {
  const outline = await getJourneyOutline(db);
  const stage = outline.stages.find((s) => s.key === stageKey);
  if (!stage) return null;
  const [rows, touchpoints] = await Promise.all([
    getHistogramRows(db, { buckets: [{ key: 'current', ...f.period }], channel: f.channel, attribute: f.attribute, timeZone: fmt.timeZone, per: 'place', stageId: stage.id }),
    searchStageTouchpoints(db, stage.id, q.search),
  ]);
  const pooled = pool(rows);
  const kinds = kindsByStage(outline);
  const sorted = touchpoints
    .map((tp) => ({ tp, at: standing(outline, stage.id, tp.id, new Set(tp.kinds), pooled.touchpoints.get(tp.id)) }))
    .sort((a, b) => (a.at === null ? (b.at === null ? 0 : 1) : b.at === null ? -1 : a.at - b.at) || a.tp.position - b.tp.position || a.tp.id - b.tp.id);
  const pages = Math.max(1, Math.ceil(sorted.length / STAGE_PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const offset = (page - 1) * STAGE_PAGE_SIZE;
  const stageKinds = kinds.stages.get(stage.id);
  return {
    stage,
    name: stage.names[fmt.locale],
    scores: KINDS.filter((k) => stageKinds?.has(k)).map((k) => scoreView(k, pooled.stages.get(stage.id)?.get(k) ?? {}, fmt, { target: targetFor(outline, k, { stageId: stage.id }) })),
    cells: sorted.slice(offset, offset + STAGE_PAGE_SIZE).map((x, i) => ({
      ...cell(outline, x.tp, pooled.touchpoints.get(x.tp.id), fmt),
      rank: offset + i + 1,
      ranked: x.at !== null,
    })),
    matches: sorted.length,
    matchesText: fmt.count(sorted.length),
    page,
    pages,
    search: q.search,
  };
}
