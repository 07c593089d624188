import type { DataSource } from 'typeorm';
import type { Localized } from '../../../i18n';
import type { MetricKind } from '../../metrics';
import type { DayRange } from '../../../web/params';

export interface Verbatim {
  id: string;
  kind: MetricKind;
  score: number;
  comment: string;
  answeredAt: Date;
  /** The touchpoint, else the stage the survey hangs on; null for a whole-journey survey. */
  place: Localized | null;
  surveyTitle: string;
}

/** Per metric kind, the scores of the group to pick (detractors first): from scoring.ts, never re-typed. */
export type ScoresByKind = Record<MetricKind, number[]>;

/**
 * The newest comments of the period, among the given scores per kind, newest first. A backward scan of
 * responses_created_idx that stops at `limit` matches: it reads a few hundred rows at most, whatever the
 * number of responses.
 */
export async function getRecentVerbatims(db: DataSource, q: { period: DayRange; timeZone: string; scores: ScoresByKind; limit: number; excludeIds?: string[] }): Promise<Verbatim[]> {
  if (q.limit <= 0) return [];
  return db.query(
    `SELECT r.id::text AS id, s.kind, r.score, r.comment, r.created_at AS "answeredAt", s.title AS "surveyTitle",
            CASE WHEN coalesce(t.id, st.id) IS NULL THEN NULL
                 ELSE json_build_object('vi', coalesce(t.name_vi, st.name_vi), 'en', coalesce(t.name_en, st.name_en)) END AS place
     FROM responses r
     JOIN surveys s ON s.id = r.survey_id
     LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
     LEFT JOIN stages st ON st.id = s.stage_id
     WHERE r.created_at >= $1::timestamp AT TIME ZONE $3 AND r.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3
       AND r.comment IS NOT NULL AND btrim(r.comment) <> ''
       AND ((s.kind = 'nps' AND r.score = ANY($4::int[])) OR (s.kind = 'csat' AND r.score = ANY($5::int[])) OR (s.kind = 'ces' AND r.score = ANY($6::int[])))
       AND NOT (r.id = ANY($7::bigint[]))
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT $8`,
    [q.period.from, q.period.to, q.timeZone, q.scores.nps, q.scores.csat, q.scores.ces, q.excludeIds ?? [], q.limit],
  );
}
