import { HttpError } from '../../web/errors';
import { type DashboardFilters, type CatalogSurvey, type JourneyCatalog, scoreGroup, SCALES, type MetricKind, type ScoreGroup } from '../metrics';

function unknown(path: string, message: string): HttpError {
  return new HttpError(400, 'validation_failed', 'The request is not valid', [{ path, message }], 'metrics.err.filters');
}

/**
 * The surveys a filter set covers: every condition (stage, touchpoint, survey, metric) narrows the set. A
 * key or id that does not exist is a bad filter (400), not an empty result, so a typo never reads as
 * "no answers". `restricted` is false when no condition was given (every survey, no survey filter needed).
 */
export function surveysInScope(catalog: JourneyCatalog, f: Pick<DashboardFilters, 'stage' | 'touchpoint' | 'survey' | 'metric'>): { surveys: CatalogSurvey[]; restricted: boolean } {
  let surveys = catalog.surveys;
  if (f.stage) {
    const stage = catalog.stages.find((s) => s.key === f.stage);
    if (!stage) throw unknown('stage', `no stage with key "${f.stage}"`);
    surveys = surveys.filter((s) => s.stageId === stage.id);
  }
  if (f.touchpoint) {
    const tp = catalog.touchpoints.find((x) => x.key === f.touchpoint);
    if (!tp) throw unknown('touchpoint', `no touchpoint with key "${f.touchpoint}"`);
    surveys = surveys.filter((s) => s.touchpointId === tp.id);
  }
  if (f.survey) {
    if (!catalog.surveys.some((s) => s.id === f.survey)) throw unknown('survey', 'no such survey');
    surveys = surveys.filter((s) => s.id === f.survey);
  }
  if (f.metric) surveys = surveys.filter((s) => s.kind === f.metric);
  return { surveys, restricted: !!(f.stage || f.touchpoint || f.survey || f.metric) };
}

/** The scores of a group on each metric's scale, from scoring.ts (NPS detractors 0–6, CSAT 1–2, CES 1–3, …). */
export function scoresOfGroup(kind: MetricKind, group: ScoreGroup): number[] {
  const out: number[] = [];
  for (let v = SCALES[kind].min; v <= SCALES[kind].max; v++) if (scoreGroup(kind, v) === group) out.push(v);
  return out;
}

/** The per-kind (surveys, scores) pairs a score-group filter becomes in SQL. */
export function scoreFilterFor(surveys: CatalogSurvey[], group: ScoreGroup | undefined): Array<{ surveyIds: string[]; scores: number[] }> | undefined {
  if (!group) return undefined;
  const kinds = [...new Set(surveys.map((s) => s.kind))];
  return kinds.map((kind) => ({ surveyIds: surveys.filter((s) => s.kind === kind).map((s) => s.id), scores: scoresOfGroup(kind, group) }));
}
