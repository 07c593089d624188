import type { DataSource } from 'typeorm';
import type { MetricKind } from '../scoring';
import type { GroupBy } from './getScoreHistograms';
import type { MetricGroupDef } from './getMetricGroups';

/** A page of a list in journey order: at most `limit` groups after the sort key `after` (the cursor's). */
export interface GroupPage { limit: number; after?: string[] }

/** Sorts before every position: a survey without a stage or touchpoint comes first (NULLS FIRST). */
const NO_POSITION = '-2147483649';

/**
 * One page of the touchpoints or surveys that have a survey of the kind, in journey order (stage position,
 * touchpoint position, then id; for surveys, those without a stage or touchpoint first, then creation
 * time), keyset-paged: `limit + 1` rows are read to know whether another page follows. Each group carries
 * its surveys of the kind, so that the scores are read for this page's surveys only.
 */
export async function getMetricGroupPage(db: DataSource, kind: MetricKind, by: Extract<GroupBy, 'touchpoint' | 'survey'>, page: GroupPage): Promise<MetricGroupDef[]> {
  let sql: string;
  if (by === 'touchpoint') {
    sql = `
      SELECT t.id::text AS id, t.key, t.name_vi AS vi, t.name_en AS en, array_agg(s.id::text ORDER BY s.id) AS "surveyIds",
             ARRAY[st.position::text, t.position::text, t.id::text] AS "order"
      FROM touchpoints t JOIN stages st ON st.id = t.stage_id JOIN surveys s ON s.touchpoint_id = t.id AND s.kind = $1
      ${page.after ? 'WHERE (st.position::bigint, t.position::bigint, t.id::bigint) > ($3::bigint, $4::bigint, $5::bigint)' : ''}
      GROUP BY t.id, st.position
      ORDER BY st.position, t.position, t.id
      LIMIT $2`;
  } else {
    const parts = [`coalesce(st.position::bigint, ${NO_POSITION})`, `coalesce(t.position::bigint, ${NO_POSITION})`, `(extract(epoch FROM s.created_at) * 1000000)::bigint`];
    const sortKey = parts.join(', ');
    sql = `
      SELECT s.id::text AS id, s.id::text AS key, s.title AS vi, s.title AS en, ARRAY[s.id::text] AS "surveyIds",
             ARRAY[${parts.map((x) => `(${x})::text`).join(', ')}, s.id::text] AS "order"
      FROM surveys s LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
      LEFT JOIN stages st ON st.id = coalesce(s.stage_id, t.stage_id)
      WHERE s.kind = $1 ${page.after ? `AND (${sortKey}, s.id) > ($3::bigint, $4::bigint, $5::bigint, $6::uuid)` : ''}
      ORDER BY ${sortKey}, s.id
      LIMIT $2`;
  }
  const rows: Array<{ id: string; key: string; vi: string; en: string; surveyIds: string[]; order: string[] }> =
    await db.query(sql, [kind, page.limit + 1, ...(page.after ?? [])]);
  return rows.map((r) => ({ id: r.id, key: r.key, names: { vi: r.vi, en: r.en }, surveyIds: r.surveyIds, order: r.order }));
}
