import type { DataSource, EntityManager } from 'typeorm';
import type { MetricKind } from '../../metrics/scoring';
import type { SurveyStatus } from '../survey.entity';
import type { SurveyWording } from '../wording';

/** A survey as the API and the dashboard show it: its own columns and the names and keys of what it hangs off. */
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
  touchpointKey: string | null;
  touchpointVi: string | null;
  touchpointEn: string | null;
  /** The key of the survey's own stage (a relationship survey); null for a touchpoint or whole-journey survey. */
  stageKey: string | null;
  /** The stage the survey hangs off: its own, or its touchpoint's. */
  stageVi: string | null;
  stageEn: string | null;
}

export const SURVEY_SELECT = `
  SELECT s.id, s.kind, s.title, s.status, s.touchpoint_id AS "touchpointId", s.stage_id AS "stageId",
         s.question_vi AS "questionVi", s.question_en AS "questionEn", s.ask_comment AS "askComment",
         s.comment_prompt_vi AS "commentPromptVi", s.comment_prompt_en AS "commentPromptEn",
         s.thank_you_vi AS "thankYouVi", s.thank_you_en AS "thankYouEn", s.recontact_days AS "recontactDays",
         s.created_at AS "createdAt", s.updated_at AS "updatedAt",
         t.key AS "touchpointKey", t.name_vi AS "touchpointVi", t.name_en AS "touchpointEn",
         CASE WHEN s.stage_id IS NOT NULL THEN st.key END AS "stageKey", st.name_vi AS "stageVi", st.name_en AS "stageEn"
  FROM surveys s
  LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
  LEFT JOIN stages st ON st.id = coalesce(s.stage_id, t.stage_id)`;

/** The survey with this id (a well-formed uuid), or null. */
export async function getSurvey(db: Pick<DataSource | EntityManager, 'query'>, id: string): Promise<SurveyRow | null> {
  const rows: SurveyRow[] = await db.query(`${SURVEY_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}
