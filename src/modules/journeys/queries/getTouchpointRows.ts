import type { DataSource } from 'typeorm';
import type { TouchpointChannel } from '../touchpoint.entity';

/** A touchpoint as the journey pages show it: its owner's name and email, and how many surveys it has. */
export interface TouchpointRow {
  id: number;
  key: string;
  stageId: number;
  nameVi: string;
  nameEn: string;
  channel: TouchpointChannel;
  ownerUserId: string | null;
  ownerName: string | null;
  ownerEmail: string | null;
  surveyCount: number;
}

/** Every touchpoint by its position within its stage, or only the one with `only.id`. */
export async function getTouchpointRows(db: DataSource, only?: { id: number }): Promise<TouchpointRow[]> {
  return db.query(
    `SELECT t.id, t.key, t.stage_id AS "stageId", t.name_vi AS "nameVi", t.name_en AS "nameEn", t.channel,
            t.owner_user_id AS "ownerUserId", u.name AS "ownerName", u.email AS "ownerEmail",
            (SELECT count(*)::int FROM surveys v WHERE v.touchpoint_id = t.id) AS "surveyCount"
     FROM touchpoints t LEFT JOIN users u ON u.id = t.owner_user_id
     WHERE $1::int IS NULL OR t.id = $1
     ORDER BY t.position, t.id`, [only?.id ?? null]);
}
