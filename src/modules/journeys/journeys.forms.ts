import Joi from 'joi';
import type { MetricKind } from '../metrics/scoring';
import type { FieldMessage } from '../../web/forms';
import { keySchema, uuidSchema } from '../../web/params';
import { lineText } from '../../web/text';
import { FRAMEWORK_FIELDS } from './stage.entity';
import { TOUCHPOINT_CHANNELS, type TouchpointChannel } from './touchpoint.entity';

/** The journey forms of /manage/journey: field names as the views post them. */

const name = lineText.trim().min(1).max(120).required();
const note = Joi.string().trim().allow('').max(2000);
const frameworkFields = Object.fromEntries(FRAMEWORK_FIELDS.flatMap((f) => [[`fw_${f}_vi`, note], [`fw_${f}_en`, note]]));

export interface StageForm {
  key?: string;
  name_vi: string;
  name_en: string;
  [framework: `fw_${string}`]: string | undefined;
}

export const newStageForm = Joi.object({ key: keySchema.required(), name_vi: name, name_en: name, ...frameworkFields });
export const editStageForm = Joi.object({ name_vi: name, name_en: name, ...frameworkFields });

export const moveForm = Joi.object({ direction: Joi.string().valid('up', 'down').required() });

export interface TouchpointForm {
  key: string;
  stage_id: number;
  name_vi: string;
  name_en: string;
  channel: TouchpointChannel;
  owner_user_id: string;
}

export const touchpointForm = Joi.object({
  /** Left empty, the key is made from the English (else the Vietnamese) name: suggestKey(). */
  key: keySchema.allow('').default(''),
  stage_id: Joi.number().integer().min(1).max(2147483647).required(),
  name_vi: name,
  name_en: name,
  channel: Joi.string().valid(...TOUCHPOINT_CHANNELS).required(),
  owner_user_id: uuidSchema.allow('').default(''),
});

export const SLUG_MESSAGE: FieldMessage = { key: 'manage.err.slug' };

/** The range of a target on each metric's own scale (CSAT as a top-2-box percent). */
export const TARGET_RANGES: Record<MetricKind, { min: number; max: number }> = {
  nps: { min: -100, max: 100 },
  csat: { min: 0, max: 100 },
  ces: { min: 1, max: 7 },
};

const TARGET_PATTERN = /^-?\d{1,3}(?:[.,]\d{1,2})?$/;

/**
 * One cell of the targets form: empty means no target; a number may use a comma or a point for its
 * decimals (Vietnamese writes 5,5) and is kept to two decimals, as the column stores it.
 */
export function parseTarget(metric: MetricKind, raw: unknown): { ok: true; value: number | null } | { ok: false } {
  if (raw === undefined || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false };
  const text = raw.trim();
  if (text === '') return { ok: true, value: null };
  if (!TARGET_PATTERN.test(text)) return { ok: false };
  const value = Number(text.replace(',', '.'));
  const { min, max } = TARGET_RANGES[metric];
  return value >= min && value <= max ? { ok: true, value } : { ok: false };
}
