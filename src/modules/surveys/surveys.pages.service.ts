import type { DataSource } from 'typeorm';
import type { MetricKind } from '../metrics/scoring';
import type { SurveyStatus } from './survey.entity';
import type { SurveyWording } from './wording';

/** What the survey management pages read and write beyond the API's create/list. */

export interface SurveyRow extends SurveyWording {
  id: string;
  kind: MetricKind;
  title: string;
  status: SurveyStatus;
  touchpointId: number | null;
  stageId: number | null;
  recontactDays: number | null;
  createdAt: Date;
  updatedAt: Date;
  touchpointVi: string | null;
  touchpointEn: string | null;
  /** The stage the survey hangs off: its own, or its touchpoint's. */
  stageVi: string | null;
  stageEn: string | null;
}

const SURVEY_SELECT = `
  SELECT s.id, s.kind, s.title, s.status, s.touchpoint_id AS "touchpointId", s.stage_id AS "stageId",
         s.question_vi AS "questionVi", s.question_en AS "questionEn", s.ask_comment AS "askComment",
         s.comment_prompt_vi AS "commentPromptVi", s.comment_prompt_en AS "commentPromptEn",
         s.thank_you_vi AS "thankYouVi", s.thank_you_en AS "thankYouEn", s.recontact_days AS "recontactDays",
         s.created_at AS "createdAt", s.updated_at AS "updatedAt",
         t.name_vi AS "touchpointVi", t.name_en AS "touchpointEn", st.name_vi AS "stageVi", st.name_en AS "stageEn"
  FROM surveys s
  LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
  LEFT JOIN stages st ON st.id = coalesce(s.stage_id, t.stage_id)`;

/** Newest first: the survey just created is at the top. */
export async function listSurveyRows(db: DataSource): Promise<SurveyRow[]> {
  return db.query(`${SURVEY_SELECT} ORDER BY s.created_at DESC, s.id`);
}

export async function getSurveyRow(db: DataSource, id: string): Promise<SurveyRow | null> {
  const rows: SurveyRow[] = await db.query(`${SURVEY_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Responses so far, read from the daily rollup (its key starts with the survey, so this never scans responses). */
export async function countResponses(db: DataSource, id: string): Promise<number> {
  const [{ n }] = await db.query(`SELECT coalesce(sum(count), 0)::int AS n FROM response_daily WHERE survey_id = $1`, [id]);
  return n;
}

export interface SurveyInput extends SurveyWording {
  kind: MetricKind;
  title: string;
  attach: { stageId: number } | { touchpointId: number } | null;
  status: SurveyStatus;
  recontactDays: number | null;
}

export type SurveyProblem = 'unknown_attach' | 'kind_locked';

/**
 * Creates (id null) or updates a survey. The kind of a survey that has answers cannot change: its scores
 * would mix two scales. Returns the id, a problem, or null when the survey to update is gone.
 */
export async function saveSurvey(db: DataSource, id: string | null, input: SurveyInput): Promise<{ id: string } | { problem: SurveyProblem } | null> {
  return db.transaction(async (tx) => {
    if (id !== null) {
      // FOR UPDATE also holds back new answers (their foreign key check) until the kind is settled.
      const current: Array<{ kind: MetricKind }> = await tx.query(`SELECT kind FROM surveys WHERE id = $1 FOR UPDATE`, [id]);
      if (!current[0]) return null;
      if (current[0].kind !== input.kind) {
        const [{ answered }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM responses WHERE survey_id = $1) AS answered`, [id]);
        if (answered) return { problem: 'kind_locked' as const };
      }
    }
    const stageId = input.attach && 'stageId' in input.attach ? input.attach.stageId : null;
    const touchpointId = input.attach && 'touchpointId' in input.attach ? input.attach.touchpointId : null;
    if (stageId !== null && !(await tx.query(`SELECT 1 FROM stages WHERE id = $1 FOR KEY SHARE`, [stageId]))[0]) return { problem: 'unknown_attach' as const };
    if (touchpointId !== null && !(await tx.query(`SELECT 1 FROM touchpoints WHERE id = $1 FOR KEY SHARE`, [touchpointId]))[0]) return { problem: 'unknown_attach' as const };
    const values = [
      input.kind, input.title, touchpointId, stageId, input.questionVi, input.questionEn, input.askComment,
      input.commentPromptVi, input.commentPromptEn, input.thankYouVi, input.thankYouEn, input.status, input.recontactDays,
    ];
    if (id === null) {
      const [row] = await tx.query(
        `INSERT INTO surveys (kind, title, touchpoint_id, stage_id, question_vi, question_en, ask_comment,
                              comment_prompt_vi, comment_prompt_en, thank_you_vi, thank_you_en, status, recontact_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`, values);
      return { id: row.id as string };
    }
    await tx.query(
      `UPDATE surveys SET kind = $1, title = $2, touchpoint_id = $3, stage_id = $4, question_vi = $5, question_en = $6,
              ask_comment = $7, comment_prompt_vi = $8, comment_prompt_en = $9, thank_you_vi = $10, thank_you_en = $11,
              status = $12, recontact_days = $13, updated_at = now()
       WHERE id = $14`, [...values, id]);
    return { id };
  });
}
