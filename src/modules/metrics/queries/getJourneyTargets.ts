import type { DataSource } from 'typeorm';
import type { MetricKind } from '../scoring';
import type { CatalogTarget } from './getJourneyCatalog';

/**
 * The whole journey's side of the catalog, for the overview: the KPI targets and the metric kinds that
 * have surveys. Two small reads that do not grow with the touchpoints (targets of the whole journey only).
 */
export async function getJourneyTargets(db: DataSource): Promise<{ targets: CatalogTarget[]; kinds: MetricKind[] }> {
  const [targets, kinds] = await Promise.all([
    db.query(`SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target::float8 AS target
              FROM kpi_targets WHERE stage_id IS NULL AND touchpoint_id IS NULL`),
    db.query(`SELECT k.kind FROM unnest(ARRAY['nps', 'csat', 'ces']) AS k(kind) WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.kind = k.kind)`),
  ]) as [CatalogTarget[], Array<{ kind: MetricKind }>];
  return { targets, kinds: kinds.map((k) => k.kind) };
}
