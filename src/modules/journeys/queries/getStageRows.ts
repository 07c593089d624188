import type { DataSource } from 'typeorm';
import type { Framework } from '../stage.entity';

/** A stage as the journey pages show it, with how many touchpoints and surveys hang off it. */
export interface StageRow {
  id: number;
  key: string;
  nameVi: string;
  nameEn: string;
  position: number;
  framework: Framework;
  touchpointCount: number;
  surveyCount: number;
}

/** Every stage in journey order, or only the one with `only.id`. */
export async function getStageRows(db: DataSource, only?: { id: number }): Promise<StageRow[]> {
  return db.query(
    `SELECT s.id, s.key, s.name_vi AS "nameVi", s.name_en AS "nameEn", s.position, s.framework,
            (SELECT count(*)::int FROM touchpoints t WHERE t.stage_id = s.id) AS "touchpointCount",
            (SELECT count(*)::int FROM surveys v WHERE v.stage_id = s.id) AS "surveyCount"
     FROM stages s
     WHERE $1::int IS NULL OR s.id = $1
     ORDER BY s.position, s.id`, [only?.id ?? null]);
}
