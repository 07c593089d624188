import Joi from 'joi';
import { cursorSchema, daySchema, keySchema } from '../../web/params';
import { AT_RISK_REASONS, type AtRiskReason } from './queries/refreshAtRisk';

/** GET /api/v1/drivers: the outcome (relationship NPS is the only one), a period, optionally one stage's touchpoints. */
export const driversQuerySchema = Joi.object({
  outcome: Joi.string().valid('nps').default('nps'),
  from: daySchema,
  to: daySchema,
  stage: keySchema,
});
export interface DriversApiQuery { outcome: 'nps'; from?: string; to?: string; stage?: string }

const ATTRIBUTE = /^([A-Za-z0-9_.-]{1,40})=(.{1,200})$/s;

/** GET /api/v1/contacts/at-risk (and the page's filters). */
export const atRiskQuerySchema = Joi.object({
  reason: Joi.string().valid(...AT_RISK_REASONS),
  stage: keySchema,
  attr: Joi.string().trim().max(241).pattern(ATTRIBUTE).message('{{#label}} must be written key=value, e.g. persona=Sinh viên'),
  cursor: cursorSchema,
  limit: Joi.number().integer().min(1).max(200).default(50),
});
export interface AtRiskApiQuery { reason?: AtRiskReason; stage?: string; attr?: string; cursor?: string; limit: number }

export function parseAttribute(text: string | undefined): { key: string; value: string } | undefined {
  const m = text ? ATTRIBUTE.exec(text) : null;
  return m ? { key: m[1], value: m[2] } : undefined;
}
