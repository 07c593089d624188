import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from './user.entity';

/** Listing colleagues, changing their role and removing them, never leaving Touchpoint without an admin. */

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

/** 96 random bits as 16 URL-safe characters: easy to pass on, and above the 10-character minimum. */
export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

export type UserChangeOutcome = 'done' | 'not_found' | 'last_admin' | 'self';

/** Locks the users table against concurrent role changes, so two admins demoting each other cannot leave none. */
async function lockedTarget(tx: EntityManager, id: string): Promise<{ role: Role; otherAdmins: number } | null> {
  await tx.query(`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`);
  const rows: Array<{ role: Role }> = await tx.query(`SELECT role FROM users WHERE id = $1`, [id]);
  if (!rows[0]) return null;
  const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND id <> $1`, [id]);
  return { role: rows[0].role, otherAdmins: n };
}

export async function changeRole(db: DataSource, id: string, role: Role): Promise<UserChangeOutcome> {
  return db.transaction(async (tx) => {
    const target = await lockedTarget(tx, id);
    if (!target) return 'not_found';
    if (target.role === 'admin' && role !== 'admin' && target.otherAdmins === 0) return 'last_admin';
    await tx.query(`UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, [id, role]);
    return 'done';
  });
}

/** Deletes a colleague (not oneself). Their touchpoints and follow-ups lose their owner; their answers stay. */
export async function deleteUser(db: DataSource, id: string, actingUserId: string): Promise<UserChangeOutcome> {
  if (id === actingUserId) return 'self';
  return db.transaction(async (tx) => {
    const target = await lockedTarget(tx, id);
    if (!target) return 'not_found';
    if (target.role === 'admin' && target.otherAdmins === 0) return 'last_admin';
    await tx.query(`DELETE FROM users WHERE id = $1`, [id]);
    return 'done';
  });
}
