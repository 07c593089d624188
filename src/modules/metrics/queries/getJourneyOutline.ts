import type { DataSource } from 'typeorm';
import type { Localized } from '../../../i18n';
import type { Framework } from '../../journeys/stage.entity';
import type { MetricKind } from '../scoring';
import type { CatalogStage, CatalogTarget } from './getJourneyCatalog';

/** Where surveys of a kind hang: a stage and a touchpoint (either may be null), and how many surveys. */
export interface SurveyPlace { stageId: number | null; touchpointId: number | null; kind: MetricKind }

/**
 * What the journey map needs besides the scores, without a row per survey: the stages, the KPI targets,
 * each place that has surveys of a kind, and how many touchpoints each stage holds. Names of touchpoints
 * come separately, only for those a page shows (getTouchpointsById / searchStageTouchpoints).
 */
export interface JourneyOutline {
  stages: CatalogStage[];
  targets: CatalogTarget[];
  places: SurveyPlace[];
  touchpointCounts: Map<number, number>;
}

export async function getJourneyOutline(db: DataSource): Promise<JourneyOutline> {
  const [stages, targets, places, counts] = await Promise.all([
    db.query(`SELECT id, key, name_vi AS vi, name_en AS en, position, framework FROM stages ORDER BY position, id`),
    db.query(`SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target::float8 AS target FROM kpi_targets`),
    db.query(`SELECT coalesce(s.stage_id, t.stage_id) AS "stageId", s.touchpoint_id AS "touchpointId", s.kind
              FROM surveys s LEFT JOIN touchpoints t ON t.id = s.touchpoint_id GROUP BY 1, 2, 3`),
    db.query(`SELECT stage_id AS "stageId", count(*)::int AS n FROM touchpoints GROUP BY 1`),
  ]) as [
    Array<{ id: number; key: string; vi: string; en: string; position: number; framework: Framework }>,
    CatalogTarget[],
    SurveyPlace[],
    Array<{ stageId: number; n: number }>,
  ];
  return {
    stages: stages.map(({ vi, en, ...s }) => ({ ...s, names: { vi, en } as Localized })),
    targets,
    places,
    touchpointCounts: new Map(counts.map((c) => [c.stageId, c.n])),
  };
}
