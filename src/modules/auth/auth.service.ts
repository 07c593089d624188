import { verify } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { hashPassword } from './users.service';

// Verifying against a fixed hash when the email is unknown keeps the answer time the same either way.
let dummyHash: Promise<string> | null = null;

/** The user id for a correct email + password, or null. */
export async function checkCredentials(db: DataSource, email: string, password: string): Promise<string | null> {
  const rows: Array<{ id: string; password_hash: string }> = await db.query(
    `SELECT id, password_hash FROM users WHERE lower(email) = lower($1)`, [email.trim()]);
  if (!rows[0]) {
    dummyHash ??= hashPassword('not-a-real-password-0000');
    await verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await verify(rows[0].password_hash, password).catch(() => false);
  return ok ? rows[0].id : null;
}

export async function userCount(db: DataSource): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM users`);
  return n;
}
