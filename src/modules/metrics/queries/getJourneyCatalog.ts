import type { DataSource } from 'typeorm';
import type { Localized } from '../../../i18n';
import type { Framework } from '../../journeys/stage.entity';
import type { TouchpointChannel } from '../../journeys/touchpoint.entity';
import type { MetricKind } from '../scoring';

export interface CatalogStage { id: number; key: string; names: Localized; position: number; framework: Framework }
export interface CatalogTouchpoint { id: number; key: string; stageId: number; names: Localized; channel: TouchpointChannel; position: number }
export interface CatalogSurvey {
  id: string;
  kind: MetricKind;
  title: string;
  status: 'draft' | 'active' | 'closed';
  touchpointId: number | null;
  /** The stage the survey counts in: its own, or its touchpoint's; null for whole-journey surveys. */
  stageId: number | null;
}
export interface CatalogTarget { metric: MetricKind; stageId: number | null; touchpointId: number | null; target: number }

/** The journey as the dashboard groups it: stages and touchpoints in order, surveys, KPI targets. */
export interface JourneyCatalog {
  stages: CatalogStage[];
  touchpoints: CatalogTouchpoint[];
  surveys: CatalogSurvey[];
  targets: CatalogTarget[];
}

/** Four small reads (dozens of rows each), in parallel: their cost does not depend on the responses. */
export async function getJourneyCatalog(db: DataSource): Promise<JourneyCatalog> {
  const [stages, touchpoints, surveys, targets] = await Promise.all([
    db.query(`SELECT id, key, name_vi AS vi, name_en AS en, position, framework FROM stages ORDER BY position, id`),
    db.query(`SELECT t.id, t.key, t.stage_id AS "stageId", t.name_vi AS vi, t.name_en AS en, t.channel, t.position
              FROM touchpoints t JOIN stages s ON s.id = t.stage_id ORDER BY s.position, t.position, t.id`),
    db.query(`SELECT s.id, s.kind, s.title, s.status, s.touchpoint_id AS "touchpointId", coalesce(s.stage_id, t.stage_id) AS "stageId"
              FROM surveys s LEFT JOIN touchpoints t ON t.id = s.touchpoint_id ORDER BY s.created_at, s.id`),
    db.query(`SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target::float8 AS target FROM kpi_targets`),
  ]) as [
    Array<{ id: number; key: string; vi: string; en: string; position: number; framework: Framework }>,
    Array<{ id: number; key: string; stageId: number; vi: string; en: string; channel: TouchpointChannel; position: number }>,
    CatalogSurvey[],
    CatalogTarget[],
  ];
  return {
    stages: stages.map(({ vi, en, ...s }) => ({ ...s, names: { vi, en } })),
    touchpoints: touchpoints.map(({ vi, en, ...t }) => ({ ...t, names: { vi, en } })),
    surveys,
    targets,
  };
}

/**
 * The KPI target for a metric at a place in the journey: the touchpoint's, else its stage's, else the
 * whole journey's (both ids null); null when none is set.
 */
export function targetFor(catalog: Pick<JourneyCatalog, 'targets'>, metric: MetricKind, at: { touchpointId?: number | null; stageId?: number | null }): number | null {
  const find = (stageId: number | null, touchpointId: number | null) =>
    catalog.targets.find((t) => t.metric === metric && t.stageId === stageId && t.touchpointId === touchpointId)?.target ?? null;
  if (at.touchpointId != null) {
    const own = find(null, at.touchpointId);
    if (own !== null) return own;
  }
  if (at.stageId != null) {
    const stage = find(at.stageId, null);
    if (stage !== null) return stage;
  }
  return find(null, null);
}
