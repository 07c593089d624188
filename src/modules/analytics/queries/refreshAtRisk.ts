import type { EntityManager } from 'typeorm';
import { SCALES, scoreGroup, type MetricKind } from '../../metrics/scoring';

/** Why a contact is at risk; the list shows each, and can be filtered by one. */
export const AT_RISK_REASONS = ['retention_detractor', 'nps_drop', 'repeat_detractor', 'open_follow_up'] as const;
export type AtRiskReason = (typeof AT_RISK_REASONS)[number];

/** Stages whose latest answer being a detractor puts the contact at risk (their default keys). */
export const LATE_STAGES = ['retention', 'advocacy'];
/** NPS points lost between a contact's last two NPS answers that count as a fall. */
export const NPS_DROP = 3;
/** Two or more detractor answers within this many days. */
export const REPEAT_DAYS = 90;

/** The detractor scores of every kind, from scoring.ts: the SQL below never restates the thresholds. */
function detractorScores(): Array<{ kind: MetricKind; score: number }> {
  const out: Array<{ kind: MetricKind; score: number }> = [];
  for (const kind of ['nps', 'csat', 'ces'] as const) {
    for (let s = SCALES[kind].min; s <= SCALES[kind].max; s++) if (scoreGroup(kind, s) === 'detractor') out.push({ kind, score: s });
  }
  return out;
}

/**
 * Re-evaluates the four rules for some contacts (`contactIds`), or for every contact (null): their rows in
 * `at_risk_contacts` are replaced by what holds now. Returns how many of them are at risk.
 */
export async function refreshAtRisk(tx: EntityManager, contactIds: string[] | null, followUpDays: number, now: Date): Promise<number> {
  if (contactIds !== null && contactIds.length === 0) return 0;
  const params: unknown[] = [JSON.stringify(detractorScores()), LATE_STAGES, NPS_DROP, REPEAT_DAYS, followUpDays, now];
  let scope: string;
  if (contactIds === null) {
    await tx.query(`DELETE FROM at_risk_contacts`);
    scope = `SELECT id AS contact_id FROM contacts`;
  } else {
    params.push(contactIds);
    await tx.query(`DELETE FROM at_risk_contacts WHERE contact_id = ANY($1::uuid[])`, [contactIds]);
    scope = `SELECT DISTINCT unnest($7::uuid[]) AS contact_id`;
  }
  const rows: Array<{ n: number }> = await tx.query(`
    WITH det AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(kind text, score int)),
    c AS (${scope}),
    ans AS (
      SELECT r.id, r.contact_id, r.score, r.created_at, s.kind, coalesce(s.stage_id, t.stage_id) AS stage_id, st.key AS stage_key,
             det.kind IS NOT NULL AS detractor
      FROM c JOIN responses r ON r.contact_id = c.contact_id JOIN surveys s ON s.id = r.survey_id
      LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
      LEFT JOIN stages st ON st.id = coalesce(s.stage_id, t.stage_id)
      LEFT JOIN det ON det.kind = s.kind AND det.score = r.score
    ),
    late AS (
      SELECT DISTINCT ON (contact_id) contact_id, stage_id, detractor FROM ans
      WHERE stage_key = ANY($2::text[]) ORDER BY contact_id, created_at DESC, id DESC
    ),
    nps AS (
      SELECT contact_id, stage_id, score, lead(score) OVER w AS previous, row_number() OVER w AS k
      FROM ans WHERE kind = 'nps' WINDOW w AS (PARTITION BY contact_id ORDER BY created_at DESC, id DESC)
    ),
    reasons AS (
      SELECT contact_id, 'retention_detractor' AS reason, stage_id FROM late WHERE detractor
      UNION ALL
      SELECT contact_id, 'nps_drop', stage_id FROM nps WHERE k = 1 AND previous - score >= $3
      UNION ALL
      SELECT a.contact_id, 'repeat_detractor', a.stage_id FROM ans a
      JOIN (SELECT contact_id FROM ans WHERE detractor AND created_at > $6::timestamptz - $4 * interval '1 day'
            GROUP BY contact_id HAVING count(*) >= 2) many USING (contact_id)
      WHERE a.detractor AND a.created_at > $6::timestamptz - $4 * interval '1 day'
      UNION ALL
      SELECT a.contact_id, 'open_follow_up', a.stage_id FROM ans a JOIN follow_ups f ON f.response_id = a.id
      WHERE f.status <> 'closed' AND f.created_at <= $6::timestamptz - $5 * interval '1 day'
    ),
    fu AS (
      SELECT DISTINCT ON (a.contact_id) a.contact_id, f.id FROM ans a JOIN follow_ups f ON f.response_id = a.id
      WHERE f.status <> 'closed' ORDER BY a.contact_id, f.created_at, f.id
    ),
    ins AS (
      INSERT INTO at_risk_contacts (contact_id, reasons, stage_ids, last_answer_at, follow_up_id, updated_at)
      SELECT r.contact_id, array_agg(DISTINCT r.reason ORDER BY r.reason), coalesce(array_agg(DISTINCT r.stage_id) FILTER (WHERE r.stage_id IS NOT NULL), '{}'),
             max(last.at), max(fu.id), $6
      FROM reasons r JOIN contacts ct ON ct.id = r.contact_id
      LEFT JOIN fu ON fu.contact_id = r.contact_id
      JOIN (SELECT contact_id, max(created_at) AS at FROM ans GROUP BY contact_id) last ON last.contact_id = r.contact_id
      GROUP BY r.contact_id
      RETURNING 1)
    SELECT count(*)::int AS n FROM ins`, params);
  return rows[0].n;
}
