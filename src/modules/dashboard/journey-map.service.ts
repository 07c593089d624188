import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { FRAMEWORK_FIELDS } from '../journeys/stage.entity';
import { type DashboardFilters, getHistogramRows, getJourneyCatalog, targetFor, type CatalogSurvey, mergeHistograms, type Histogram, type MetricKind } from '../metrics';
import { chartJson } from './chart';
import type { Formatter } from '../../web/format';
import { histogramsBy, KIND_COLOR, KIND_LABEL, KINDS, scoreView, type ScoreView } from './score-view';

export interface JourneyCell { key: string; name: string; channel: string; scores: ScoreView[] }
export interface JourneyStage {
  key: string;
  name: string;
  scores: ScoreView[];
  framework: Array<{ label: string; text: string }>;
  touchpoints: JourneyCell[];
}
export interface JourneyCurveRow { stage: string; cells: Array<{ text: string }> }

export interface JourneyMap {
  overall: ScoreView[];
  stages: JourneyStage[];
  curve: { chart: string; kinds: string[]; rows: JourneyCurveRow[] } | null;
}

/** Pools the histograms of the surveys that match, per kind: a group's score comes from all its answers. */
function pooled(surveys: CatalogSurvey[], bySurvey: Map<string, Histogram>, match: (s: CatalogSurvey) => boolean): Map<MetricKind, Histogram> {
  const out = new Map<MetricKind, Histogram>();
  for (const s of surveys) {
    if (!match(s)) continue;
    out.set(s.kind, mergeHistograms(out.get(s.kind) ?? {}, bySurvey.get(s.id) ?? {}));
  }
  return out;
}

/**
 * Stages in order as columns, their touchpoints as cells. Every score is pooled from the surveys' own
 * histograms (a stage's NPS pools all NPS answers of the stage, never an average of touchpoint scores)
 * and coloured against the nearest target: the touchpoint's, else the stage's, else the journey's.
 */
export async function getJourneyMap(db: DataSource, f: DashboardFilters, fmt: Formatter): Promise<JourneyMap> {
  const [catalog, rows] = await Promise.all([
    getJourneyCatalog(db),
    getHistogramRows(db, { buckets: [{ key: 'current', ...f.period }], channel: f.channel, attribute: f.attribute, timeZone: fmt.timeZone }),
  ]);
  const bySurvey = histogramsBy(rows, (r) => r.group);
  const views = (groups: Map<MetricKind, Histogram>, at: { stageId?: number; touchpointId?: number }) =>
    KINDS.filter((k) => groups.has(k)).map((k) => scoreView(k, groups.get(k) ?? {}, fmt, { target: targetFor(catalog, k, at) }));
  const names = (n: { vi: string; en: string }) => n[fmt.locale];

  const stages: JourneyStage[] = catalog.stages.map((stage) => ({
    key: stage.key,
    name: names(stage.names),
    scores: views(pooled(catalog.surveys, bySurvey, (s) => s.stageId === stage.id), { stageId: stage.id }),
    framework: FRAMEWORK_FIELDS
      .map((field) => ({ label: t(fmt.locale, `metrics.framework.${field}`), text: stage.framework?.[field]?.[fmt.locale] ?? '' }))
      .filter((x) => x.text),
    touchpoints: catalog.touchpoints.filter((tp) => tp.stageId === stage.id).map((tp) => ({
      key: tp.key,
      name: names(tp.names),
      channel: t(fmt.locale, `metrics.touchpointChannel.${tp.channel}`),
      scores: views(pooled(catalog.surveys, bySurvey, (s) => s.touchpointId === tp.id), { stageId: stage.id, touchpointId: tp.id }),
    })),
  }));
  const overall = views(pooled(catalog.surveys, bySurvey, () => true), {});

  // The journey curve: each stage's pooled score per metric; NPS and CSAT share the −100..100 axis, CES has its own.
  const kinds = KINDS.filter((k) => stages.some((s) => s.scores.some((v) => v.kind === k)));
  const curve = kinds.length === 0 || stages.length === 0 ? null : {
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
  return { overall, stages, curve };
}
