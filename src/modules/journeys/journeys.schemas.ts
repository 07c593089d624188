import Joi from 'joi';
import { keySchema } from '../../web/params';
import { lineText } from '../../web/text';
import { TOUCHPOINT_CHANNELS } from './touchpoint.entity';


const nameText = lineText.trim().min(1).max(120);
export const localizedName = Joi.object({ vi: nameText.required(), en: nameText.required() });
const noteText = Joi.string().trim().allow('').max(2000);
const localizedNote = Joi.object({ vi: noteText, en: noteText });

export const createStageSchema = Joi.object({
  key: keySchema.required(),
  name: localizedName.required(),
  position: Joi.number().integer().min(1).max(1000),
  framework: Joi.object({ actions: localizedNote, motivations: localizedNote, questions: localizedNote, painPoints: localizedNote }),
});

export const createTouchpointSchema = Joi.object({
  key: keySchema.required(),
  stageKey: keySchema.required(),
  name: localizedName.required(),
  channel: Joi.string().valid(...TOUCHPOINT_CHANNELS).required(),
  ownerEmail: Joi.string().email({ tlds: false }).max(254).allow(null),
});

export interface CreateStageInput {
  key: string;
  name: { vi: string; en: string };
  position?: number;
  framework?: Record<string, { vi?: string; en?: string }>;
}

export interface CreateTouchpointInput {
  key: string;
  stageKey: string;
  name: { vi: string; en: string };
  channel: (typeof TOUCHPOINT_CHANNELS)[number];
  ownerEmail?: string | null;
}
