import type { MetricKind } from '../../metrics/scoring';
import type { Cursor } from '../../../web/params';
import type { Queryable } from './contactFilter';

export interface TimelineAnswer {
  id: string;
  createdAt: Date;
  /** The keyset position, as text with microseconds (a Date would lose them). */
  cursorAt: string;
  kind: MetricKind;
  score: number;
  comment: string | null;
  surveyTitle: string;
  touchpoint: { vi: string; en: string } | null;
  stage: { vi: string; en: string } | null;
}

/**
 * One contact's answers in time order (oldest first: the journey as it happened), `limit` a page after the
 * cursor: the survey, its touchpoint (or none: the whole journey or a stage survey) and the stage it counts in.
 * Served by responses_contact_idx; the sort of one contact's answers is small.
 */
export async function listContactTimeline(db: Queryable, contactId: string, after: Cursor | null, limit: number): Promise<{ items: TimelineAnswer[]; next: Cursor | null }> {
  const rows: Array<TimelineAnswer & { tpVi: string | null; tpEn: string | null; stVi: string | null; stEn: string | null }> = await db.query(
    `SELECT r.id::text AS id, r.created_at AS "createdAt", to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt",
            s.kind, r.score, r.comment, s.title AS "surveyTitle",
            tp.name_vi AS "tpVi", tp.name_en AS "tpEn", st.name_vi AS "stVi", st.name_en AS "stEn"
     FROM responses r
     JOIN surveys s ON s.id = r.survey_id
     LEFT JOIN touchpoints tp ON tp.id = s.touchpoint_id
     LEFT JOIN stages st ON st.id = coalesce(s.stage_id, tp.stage_id)
     WHERE r.contact_id = $1 AND ($2::timestamptz IS NULL OR (r.created_at, r.id) > ($2::timestamptz, $3::bigint))
     ORDER BY r.created_at, r.id
     LIMIT $4`,
    [contactId, after?.at ?? null, after?.id ?? null, limit + 1]);
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({
    id: r.id, createdAt: r.createdAt, cursorAt: r.cursorAt, kind: r.kind, score: r.score, comment: r.comment, surveyTitle: r.surveyTitle,
    touchpoint: r.tpVi !== null ? { vi: r.tpVi, en: r.tpEn ?? r.tpVi } : null,
    stage: r.stVi !== null ? { vi: r.stVi, en: r.stEn ?? r.stVi } : null,
  }));
  const last = page[page.length - 1];
  return { items, next: rows.length > limit && last ? { at: last.cursorAt, id: last.id } : null };
}
