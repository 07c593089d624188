import type { DataSource } from 'typeorm';
import type { MetricKind } from '../../metrics/scoring';

/** One KPI target: on the whole journey (both ids null), a stage, or a touchpoint. */
export interface TargetRow {
  metric: MetricKind;
  stageId: number | null;
  touchpointId: number | null;
  target: number;
}

export async function getKpiTargets(db: DataSource): Promise<TargetRow[]> {
  const rows: Array<Omit<TargetRow, 'target'> & { target: string }> = await db.query(
    `SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target FROM kpi_targets`);
  return rows.map((r) => ({ ...r, target: Number(r.target) }));
}
