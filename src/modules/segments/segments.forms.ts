import Joi from 'joi';

/** Checkboxes: absent (none ticked), one value (a string) or several (an array). */
const keys = Joi.alternatives(Joi.array().items(Joi.string().max(100)).max(50), Joi.string().max(100)).default([]);

export const dimensionsFormSchema = Joi.object({ attributes: keys, hidden: keys });

export interface DimensionsForm { attributes: string[] | string; hidden: string[] | string }

export const asList = (v: string[] | string): string[] => (Array.isArray(v) ? v : [v]);
