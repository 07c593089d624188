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
    // Stage by stage in order, each stage's first touchpoints in order from its (stage_id, position) index,
    // with an EXISTS probe each. Sorted on the stage's own position, the stages come presorted and PostgreSQL
    // sorts incrementally, one stage at a time: it stops at the stage that fills the page, so a page looks at
    // its limit + 1 touchpoints and one more (at most stages × (limit + 1) in a plan without that sort).
    sql = `
      SELECT p.id::text AS id, p.key, p.vi, p.en,
             ARRAY(SELECT s.id::text FROM surveys s WHERE s.touchpoint_id = p.id AND s.kind = $1 ORDER BY s.id) AS "surveyIds",
             ARRAY[p.sp::text, p.tpp::text, p.id::text] AS "order"
      FROM (SELECT id, position FROM stages ORDER BY position) st
      CROSS JOIN LATERAL (
        SELECT t.id, t.key, t.name_vi AS vi, t.name_en AS en, st.position AS sp, t.position AS tpp
        FROM touchpoints t
        WHERE t.stage_id = st.id AND EXISTS (SELECT 1 FROM surveys s WHERE s.touchpoint_id = t.id AND s.kind = $1)
          ${page.after ? 'AND (st.position::bigint > $3::bigint OR (t.position::bigint, t.id::bigint) > ($4::bigint, $5::bigint))' : ''}
        ORDER BY t.position, t.id
        LIMIT $2) p
      ${page.after ? 'WHERE st.position::bigint >= $3::bigint' : ''}
      ORDER BY st.position, p.tpp, p.id
      LIMIT $2`;
  } else {
    // The same walk, two steps per stage: the stage's own surveys, then its touchpoints' in position order
    // (each from an index, sorted on the creation time itself, at most limit + 1 per step), after the journey's
    // own surveys (a step before every stage). The steps come presorted, so PostgreSQL stops at the one that
    // fills the page instead of sorting every survey of the kind. The creation time's microseconds (the
    // cursor's form) are computed for the page only.
    const after = (tpp: string) => page.after
      ? `AND (st.position > $3::bigint OR (${tpp}, s.created_at, s.id) > ($4::bigint, 'epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::uuid))`
      : '';
    sql = `
      SELECT p.id::text AS id, p.id::text AS key, p.title AS vi, p.title AS en, ARRAY[p.id::text] AS "surveyIds",
             ARRAY[st.position::text, p.tpp::text, (extract(epoch FROM p.created_at) * 1000000)::bigint::text, p.id::text] AS "order"
      FROM (SELECT NULL::int AS id, ${NO_POSITION}::bigint AS position, 0 AS step
            UNION ALL SELECT id, position::bigint, step FROM stages, (VALUES (0), (1)) v(step)
            ORDER BY position, step) st
      CROSS JOIN LATERAL (
        (SELECT s.id, s.title, s.created_at, ${NO_POSITION}::bigint AS tpp FROM surveys s
         WHERE st.step = 0 AND s.touchpoint_id IS NULL AND s.kind = $1 AND (s.stage_id = st.id OR (st.id IS NULL AND s.stage_id IS NULL))
           ${after(`${NO_POSITION}::bigint`)}
         ORDER BY s.created_at, s.id
         LIMIT $2)
        UNION ALL
        (SELECT s.id, s.title, s.created_at, t.position::bigint FROM touchpoints t
         CROSS JOIN LATERAL (SELECT s.id, s.title, s.created_at FROM surveys s WHERE s.touchpoint_id = t.id AND s.kind = $1) s
         WHERE st.step = 1 AND t.stage_id = st.id ${after('t.position::bigint')}
         ORDER BY t.position, s.created_at, s.id
         LIMIT $2)) p
      ${page.after ? 'WHERE st.position >= $3::bigint' : ''}
      ORDER BY st.position, st.step, p.tpp, p.created_at, p.id
      LIMIT $2`;
  }
  const rows: Array<{ id: string; key: string; vi: string; en: string; surveyIds: string[]; order: string[] }> =
    await db.query(sql, [kind, page.limit + 1, ...(page.after ?? [])]);
  return rows.map((r) => ({ id: r.id, key: r.key, names: { vi: r.vi, en: r.en }, surveyIds: r.surveyIds, order: r.order }));
}
