import type { DataSource } from 'typeorm';
import type { Localized } from '../../../i18n';
import type { Framework } from '../../journeys/stage.entity';
import type { MetricKind } from '../scoring';
import type { CatalogStage, CatalogTarget } from './getJourneyCatalog';

/** A kind of survey counted in a stage (its own surveys or its touchpoints'), or in no stage (whole-journey surveys). */
export interface StageKind { stageId: number | null; kind: MetricKind }

/**
 * What the journey map needs besides the scores, without a row per touchpoint or survey: the stages, the
 * KPI targets, the kinds of survey counted in each stage, and how many touchpoints each stage holds.
 * Touchpoints (names and kinds) come separately, only those a page shows (getTouchpointsById /
 * searchStageTouchpoints).
 */
export interface JourneyOutline {
  stages: CatalogStage[];
  targets: CatalogTarget[];
  stageKinds: StageKind[];
  touchpointCounts: Map<number, number>;
}

/**
 * `withPlaces: false` (the unfiltered journey map, whose scores statement reads the stages' kinds and sizes
 * itself): only the stages and the targets, and empty kinds and sizes for the caller to fill.
 */
export async function getJourneyOutline(db: DataSource, opts: { withPlaces?: boolean } = {}): Promise<JourneyOutline> {
  const withPlaces = opts.withPlaces ?? true;
  const [stages, targets, stageKinds, counts] = await Promise.all([
    db.query(`SELECT id, key, name_vi AS vi, name_en AS en, position, framework FROM stages ORDER BY position, id`),
    db.query(`SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target::float8 AS target FROM kpi_targets`),
    withPlaces ? db.query(`SELECT DISTINCT coalesce(s.stage_id, t.stage_id) AS "stageId", s.kind
              FROM surveys s LEFT JOIN touchpoints t ON t.id = s.touchpoint_id`) : [],
    withPlaces ? db.query(`SELECT stage_id AS "stageId", count(*)::int AS n FROM touchpoints GROUP BY 1`) : [],
  ]) as [
    Array<{ id: number; key: string; vi: string; en: string; position: number; framework: Framework }>,
    CatalogTarget[],
    StageKind[],
    Array<{ stageId: number; n: number }>,
  ];
  return {
    stages: stages.map(({ vi, en, ...s }) => ({ ...s, names: { vi, en } as Localized })),
    targets,
    stageKinds,
    touchpointCounts: new Map(counts.map((c) => [c.stageId, c.n])),
  };
}
