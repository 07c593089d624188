import type { DataSource } from 'typeorm';
import type { MetricKind } from '../scoring';
import type { GroupBy } from './getScoreHistograms';

export interface MetricGroupDef {
  id: string;
  key: string;
  names: { vi: string; en: string };
  /** Paged lists only (getMetricGroupPage): the group's surveys of the kind, and its sort key in journey order. */
  surveyIds?: string[];
  order?: string[];
}

/**
 * The groups a report lists, in journey order, including those with no answers yet: every stage; the
 * touchpoints and surveys that have a survey of the kind. Weeks are filled in by the caller.
 */
export async function getMetricGroups(db: DataSource, kind: MetricKind, by: Exclude<GroupBy, 'week' | 'overall'>): Promise<MetricGroupDef[]> {
  const sql = {
    stage: `SELECT id::text AS id, key, name_vi AS vi, name_en AS en FROM stages ORDER BY position, id`,
    touchpoint: `SELECT t.id::text AS id, t.key, t.name_vi AS vi, t.name_en AS en
                 FROM touchpoints t JOIN stages st ON st.id = t.stage_id
                 WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.touchpoint_id = t.id AND s.kind = $1)
                 ORDER BY st.position, t.position, t.id`,
    survey: `SELECT s.id::text AS id, s.id::text AS key, s.title AS vi, s.title AS en
             FROM surveys s LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
             LEFT JOIN stages st ON st.id = coalesce(s.stage_id, t.stage_id)
             WHERE s.kind = $1 ORDER BY st.position NULLS FIRST, t.position NULLS FIRST, s.created_at, s.id`,
  }[by];
  const rows: Array<{ id: string; key: string; vi: string; en: string }> = await db.query(sql, by === 'stage' ? [] : [kind]);
  return rows.map((r) => ({ id: r.id, key: r.key, names: { vi: r.vi, en: r.en } }));
}
