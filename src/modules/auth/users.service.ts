import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import Joi from 'joi';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { Locale } from '../../i18n';
import type { SessionUser } from '../../web/middleware/auth';
import { toDetails } from '../../web/middleware/validate';
import { ROLES, User, type Role } from './user.entity';

/**
 * The team's accounts: first-run setup, logging in, the session's user, and the colleagues an admin
 * manages. The setup page, /manage/users and the `user:create` command all create users here.
 */

export const createUserSchema = Joi.object({
  email: Joi.string().trim().email({ tlds: false }).max(254).required(),
  password: Joi.string().min(10).max(200).required()
    .messages({ 'string.min': 'password must be at least 10 characters long' }),
  role: Joi.string().valid(...ROLES).required(),
  name: Joi.string().trim().allow('').max(200).default(''),
  locale: Joi.string().valid('vi', 'en').default('vi'),
});

export interface NewUser { email: string; password: string; role: Role; name?: string; locale?: Locale }

/** argon2id with the library's defaults (memory-hard: 19 MiB, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** 96 random bits as 16 URL-safe characters: easy to pass on, and above the 10-character minimum. */
export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/** Creates an account; an email already in use (in any letter case) is a conflict. */
export async function createUser(db: DataSource | EntityManager, input: NewUser): Promise<User> {
  const { value: v, error } = createUserSchema.validate(input, { abortEarly: false, convert: true });
  if (error) throw new DomainError('invalid', 'The request is not valid', { details: toDetails(error) });
  const repo = db.getRepository(User);
  const existing = await repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: v.email }).getOne();
  if (existing) {
    throw new DomainError('conflict', `A user with email ${v.email} already exists`, {
      details: [{ path: 'email', message: 'already exists' }], messageKey: 'manage.users.emailTaken',
    });
  }
  const user = repo.create({ email: v.email, name: v.name, role: v.role, locale: v.locale, passwordHash: await hashPassword(v.password) });
  return repo.save(user);
}

export async function userCount(db: DataSource): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM users`);
  return n;
}

/**
 * First-run setup: the first admin and the brand, only while there is no user at all. The table lock
 * makes two simultaneous setups create one admin; the second gets null.
 */
export async function setUpFirstAdmin(db: DataSource, input: { email: string; password: string; name?: string; brand: string; locale: Locale }): Promise<User | null> {
  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE users IN EXCLUSIVE MODE`);
    const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM users`);
    if (n > 0) return null;
    const user = await createUser(tx, { email: input.email, password: input.password, role: 'admin', name: input.name, locale: input.locale });
    await tx.query(`UPDATE settings SET brand = $1, updated_at = now() WHERE id = 1`, [input.brand]);
    return user;
  });
}

/**
 * The account a login names, as the credential check looks it up: trimmed, Unicode NFC, lower-case. The
 * login limiter keys on the same value, so no spelling of an address (trailing spaces, a tab, capitals,
 * decomposed accents) gets fresh attempts at an account the check would still find.
 */
export function loginIdentity(email: unknown): string {
  return (typeof email === 'string' ? email : '').trim().normalize('NFC').toLowerCase();
}

// Verifying against a fixed hash when the email is unknown keeps the answer time the same either way.
let dummyHash: Promise<string> | null = null;

/** The user id for a correct email + password, or null. */
export async function checkCredentials(db: DataSource, email: string, password: string): Promise<string | null> {
  const rows: Array<{ id: string; password_hash: string }> = await db.query(
    `SELECT id, password_hash FROM users WHERE lower(email) = lower($1)`, [loginIdentity(email)]);
  if (!rows[0]) {
    dummyHash ??= hashPassword('not-a-real-password-0000');
    await verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await verify(rows[0].password_hash, password).catch(() => false);
  return ok ? rows[0].id : null;
}

/** The logged-in user behind a session, or null once the account is deleted. */
export async function getSessionUser(db: DataSource, id: string): Promise<SessionUser | null> {
  const rows: SessionUser[] = await db.query(`SELECT id, email, name, role, locale FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The language a user picked with the language switch, kept for their next sessions. */
export async function setUserLocale(db: DataSource, id: string, locale: Locale): Promise<void> {
  await db.query(`UPDATE users SET locale = $1 WHERE id = $2`, [locale, id]);
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export async function listUsers(db: DataSource): Promise<UserRow[]> {
  return db.query(`SELECT id, email, name, role, created_at AS "createdAt" FROM users ORDER BY lower(email)`);
}

const lastAdmin = () => new DomainError('wrong_state', 'There must always be at least one admin', { code: 'last_admin', messageKey: 'manage.users.lastAdmin' });

/** Locks the users table against concurrent role changes, so two admins demoting each other cannot leave none. */
async function lockedTarget(tx: EntityManager, id: string): Promise<{ role: Role; otherAdmins: number }> {
  await tx.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
  const rows: Array<{ role: Role }> = await tx.query(`SELECT role FROM users WHERE id = $1`, [id]);
  if (!rows[0]) throw new DomainError('not_found', 'No such user');
  const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND id <> $1`, [id]);
  return { role: rows[0].role, otherAdmins: n };
}

/** Changes a colleague's role (one's own included), never demoting the last admin. */
export async function changeRole(db: DataSource, id: string, role: Role): Promise<void> {
  await db.transaction(async (tx) => {
    const target = await lockedTarget(tx, id);
    if (target.role === 'admin' && role !== 'admin' && target.otherAdmins === 0) throw lastAdmin();
    await tx.query(`UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, [id, role]);
  });
}

/** Deletes a colleague (not oneself). Their touchpoints and follow-ups lose their owner; their answers stay. */
export async function deleteUser(db: DataSource, id: string, actingUserId: string): Promise<void> {
  if (id === actingUserId) {
    throw new DomainError('wrong_state', 'You cannot delete your own account', { code: 'cannot_delete_self', messageKey: 'manage.users.notYourself' });
  }
  await db.transaction(async (tx) => {
    const target = await lockedTarget(tx, id);
    if (target.role === 'admin' && target.otherAdmins === 0) throw lastAdmin();
    await tx.query(`DELETE FROM users WHERE id = $1`, [id]);
  });
}

/** Whether the user gets detractor alerts and follow-up assignment emails (SPEC §6: each user can turn them off). */
export async function getAlertEmailChoice(db: DataSource, id: string): Promise<boolean> {
  const [row]: Array<{ alert_emails: boolean }> = await db.query(`SELECT alert_emails FROM users WHERE id = $1`, [id]);
  return row?.alert_emails ?? false;
}

export async function setAlertEmailChoice(db: DataSource, id: string, on: boolean): Promise<void> {
  await db.query(`UPDATE users SET alert_emails = $2, updated_at = now() WHERE id = $1`, [id, on]);
}
