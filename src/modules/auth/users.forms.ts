import Joi from 'joi';
import { lineText } from '../../web/text';
import { ROLES, type Role } from './user.entity';

/** The forms of /manage/users and /manage/api-keys: field names as the views post them. */

export const MIN_PASSWORD_LENGTH = 10;

export interface NewUserForm {
  email: string;
  name: string;
  role: Role;
  /** Empty: a password is generated and shown once to the admin. */
  password: string;
}

export const newUserForm = Joi.object({
  email: Joi.string().trim().email({ tlds: false }).max(254).required(),
  name: lineText.trim().allow('').max(200).default(''),
  role: Joi.string().valid(...ROLES).required(),
  password: Joi.string().allow('').min(MIN_PASSWORD_LENGTH).max(200).default(''),
});

export const roleForm = Joi.object({ role: Joi.string().valid(...ROLES).required() });

export const apiKeyForm = Joi.object({ name: lineText.trim().min(1).max(100).required() });
