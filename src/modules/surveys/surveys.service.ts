import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import { t, type Locale } from '../../i18n';
import { uuidParam } from '../../web/params';
import type { MetricKind } from '../metrics/scoring';
import type { SurveyStatus } from './survey.entity';
import { getSurvey, type SurveyRow } from './queries/getSurvey';
import { DEFAULT_QUESTIONS, type SurveyWording } from './wording';

/**
 * Creating and editing surveys: the one write path of the API (POST /api/v1/surveys) and the dashboard
 * (/manage/surveys), so both follow the same rules: references are checked and held while the survey is
 * written, default wording is stored as null, and the kind of a survey with answers never changes.
 */

/** What a survey hangs off: a touchpoint or a stage, named by id (the dashboard) or by key (the API); null for the whole journey. */
export type SurveyAttachment =
  | { touchpointId: number }
  | { stageId: number }
  | { touchpointKey: string }
  | { stageKey: string }
  | null;

export interface SurveyInput extends SurveyWording {
  kind: MetricKind;
  title: string;
  attach: SurveyAttachment;
  status: SurveyStatus;
  /** Null: the organisation's recontact window applies. */
  recontactDays: number | null;
}

/** The survey with this id, or not_found; anything that is not a uuid is not a survey. */
export async function requireSurvey(db: DataSource, id: string): Promise<SurveyRow> {
  const uuid = uuidParam(id);
  const survey = uuid === null ? null : await getSurvey(db, uuid);
  if (!survey) throw new DomainError('not_found', `No survey with id ${id}`);
  return survey;
}

export async function createSurvey(db: DataSource, input: SurveyInput): Promise<SurveyRow> {
  return db.transaction(async (tx) => {
    const { touchpointId, stageId } = await holdAttachment(tx, input.attach);
    const w = storedWording(input);
    const [{ id }]: Array<{ id: string }> = await tx.query(
      `INSERT INTO surveys (kind, title, touchpoint_id, stage_id, question_vi, question_en, ask_comment,
                            comment_prompt_vi, comment_prompt_en, thank_you_vi, thank_you_en, status, recontact_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [input.kind, input.title, touchpointId, stageId, w.questionVi, w.questionEn, w.askComment,
        w.commentPromptVi, w.commentPromptEn, w.thankYouVi, w.thankYouEn, input.status, input.recontactDays]);
    return (await getSurvey(tx, id))!;
  });
}

/** Replaces every field of a survey. The kind of a survey that has answers cannot change: its scores would mix two scales. */
export async function updateSurvey(db: DataSource, id: string, input: SurveyInput): Promise<SurveyRow> {
  return db.transaction(async (tx) => {
    // FOR UPDATE also holds back new answers (their foreign key check) until the kind is settled.
    const current: Array<{ kind: MetricKind }> = await tx.query(`SELECT kind FROM surveys WHERE id = $1 FOR UPDATE`, [id]);
    if (!current[0]) throw new DomainError('not_found', `No survey with id ${id}`);
    if (current[0].kind !== input.kind) {
      const [{ answered }]: Array<{ answered: boolean }> = await tx.query(
        `SELECT EXISTS (SELECT 1 FROM responses WHERE survey_id = $1) AS answered`, [id]);
      if (answered) {
        throw new DomainError('wrong_state', 'The kind cannot change: the survey already has answers', {
          code: 'kind_locked', details: [{ path: 'kind', message: 'fixed once the survey has answers' }], messageKey: 'manage.survey.kindLocked',
        });
      }
    }
    const { touchpointId, stageId } = await holdAttachment(tx, input.attach);
    const w = storedWording(input);
    await tx.query(
      `UPDATE surveys SET kind = $1, title = $2, touchpoint_id = $3, stage_id = $4, question_vi = $5, question_en = $6,
              ask_comment = $7, comment_prompt_vi = $8, comment_prompt_en = $9, thank_you_vi = $10, thank_you_en = $11,
              status = $12, recontact_days = $13, updated_at = now()
       WHERE id = $14`,
      [input.kind, input.title, touchpointId, stageId, w.questionVi, w.questionEn, w.askComment,
        w.commentPromptVi, w.commentPromptEn, w.thankYouVi, w.thankYouEn, input.status, input.recontactDays, id]);
    return (await getSurvey(tx, id))!;
  });
}

/**
 * The ids of the touchpoint or stage the survey hangs off, held (FOR KEY SHARE) until the survey is written:
 * deleting it meanwhile waits, so the survey never points at something gone; unknown_reference when it does not exist.
 */
async function holdAttachment(tx: EntityManager, attach: SurveyAttachment): Promise<{ touchpointId: number | null; stageId: number | null }> {
  if (attach === null) return { touchpointId: null, stageId: null };
  const [table, column, value, path, noun] =
    'touchpointId' in attach ? ['touchpoints', 'id', attach.touchpointId, 'touchpointId', 'touchpoint'] as const
    : 'stageId' in attach ? ['stages', 'id', attach.stageId, 'stageId', 'stage'] as const
    : 'touchpointKey' in attach ? ['touchpoints', 'key', attach.touchpointKey, 'touchpointKey', 'touchpoint'] as const
    : ['stages', 'key', attach.stageKey, 'stageKey', 'stage'] as const;
  const rows: Array<{ id: number }> = await tx.query(`SELECT id FROM ${table} WHERE ${column} = $1 FOR KEY SHARE`, [value]);
  if (!rows[0]) {
    const named = column === 'key' ? `key "${value}"` : `id ${value}`;
    throw new DomainError('unknown_reference', `No ${noun} with ${named}`, { details: [{ path, message: `unknown ${noun}` }], messageKey: 'manage.err.choice' });
  }
  return noun === 'touchpoint' ? { touchpointId: rows[0].id, stageId: null } : { touchpointId: null, stageId: rows[0].id };
}

/**
 * The wording to store: null wherever it is the default (SPEC §2), so `{brand}`/`{touchpoint}` and later
 * fixes of the default still apply. A question is the default when it is the default of the survey's kind;
 * a comment prompt or thank-you text when it is empty or the text the public page shows anyway.
 */
function storedWording(input: SurveyInput): SurveyWording {
  const question = (text: string | null, locale: Locale) => (text === null || text === DEFAULT_QUESTIONS[input.kind][locale] ? null : text);
  const optional = (text: string | null, locale: Locale, key: 'survey.commentLabel' | 'thanks.default') =>
    (text === null || text === '' || text === t(locale, key) ? null : text);
  return {
    questionVi: question(input.questionVi, 'vi'),
    questionEn: question(input.questionEn, 'en'),
    askComment: input.askComment,
    commentPromptVi: optional(input.commentPromptVi, 'vi', 'survey.commentLabel'),
    commentPromptEn: optional(input.commentPromptEn, 'en', 'survey.commentLabel'),
    thankYouVi: optional(input.thankYouVi, 'vi', 'thanks.default'),
    thankYouEn: optional(input.thankYouEn, 'en', 'thanks.default'),
  };
}
