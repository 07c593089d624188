import { hash } from '@node-rs/argon2';
import Joi from 'joi';
import type { DataSource, EntityManager } from 'typeorm';
import { HttpError } from '../../web/errors';
import { check } from '../../web/middleware/validate';
import { ROLES, User, type Role } from './user.entity';

export const createUserSchema = Joi.object({
  email: Joi.string().trim().email({ tlds: false }).max(254).required(),
  password: Joi.string().min(10).max(200).required()
    .messages({ 'string.min': 'password must be at least 10 characters long' }),
  role: Joi.string().valid(...ROLES).required(),
  name: Joi.string().trim().allow('').max(200).default(''),
  locale: Joi.string().valid('vi', 'en').default('vi'),
});

/** argon2id with the library's defaults (memory-hard: 19 MiB, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function createUser(db: DataSource | EntityManager, input: { email: string; password: string; role: Role; name?: string; locale?: 'vi' | 'en' }): Promise<User> {
  const v = check<{ email: string; password: string; role: Role; name: string; locale: 'vi' | 'en' }>(createUserSchema, input);
  const repo = db.getRepository(User);
  const existing = await repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: v.email }).getOne();
  if (existing) throw new HttpError(409, 'conflict', `A user with email ${v.email} already exists`, [{ path: 'email', message: 'already exists' }]);
  const user = repo.create({ email: v.email, name: v.name, role: v.role, locale: v.locale, passwordHash: await hashPassword(v.password) });
  return repo.save(user);
}
