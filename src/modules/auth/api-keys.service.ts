import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../domain-error';
import { ApiKey } from './api-key.entity';

/**
 * Keys for integrations: created on /manage/api-keys or with `apikey:create`, listed and revoked by an
 * admin, and checked on every API request.
 */

const KEY_PREFIX = 'tp_';

/** Keys are 256 random bits; a fast hash is right for them (nothing to brute-force), and lets us look them up. */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/** Creates a key; the plain key is returned once and never stored. */
export async function createApiKey(db: DataSource, name: string, createdBy: string | null = null): Promise<{ key: string; apiKey: ApiKey }> {
  const key = KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
  const repo = db.getRepository(ApiKey);
  const apiKey = await repo.save(repo.create({ name, prefix: key.slice(0, 10), keyHash: hashApiKey(key), createdBy }));
  return { key, apiKey };
}

/** The active key matching a bearer token, recording its use; null for an unknown or revoked key. */
export async function authenticateApiKey(db: DataSource, key: string): Promise<{ id: string; name: string } | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
  const rows: Array<{ id: string; name: string; stale: boolean }> = await db.query(
    `SELECT id, name, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
     FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hashApiKey(key)],
  );
  const found = rows[0];
  if (!found) return null;
  // Recorded at most once a minute, so a busy integration does not write on every call.
  if (found.stale) await db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [found.id]);
  return { id: found.id, name: found.name };
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdByEmail: string | null;
}

/** Active keys first, newest first. */
export async function listApiKeys(db: DataSource): Promise<ApiKeyRow[]> {
  return db.query(
    `SELECT k.id, k.name, k.prefix, k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt",
            u.email AS "createdByEmail"
     FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
     ORDER BY (k.revoked_at IS NOT NULL), k.created_at DESC`);
}

/** Revokes a key at once (the API refuses it from the next request); revoking twice keeps the first time. */
export async function revokeApiKey(db: DataSource, id: string): Promise<{ name: string }> {
  // Wrapped in a SELECT: TypeORM hands back an UPDATE's rows as [rows, count].
  const rows: Array<{ name: string }> = await db.query(
    `WITH k AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING name) SELECT name FROM k`, [id]);
  if (!rows[0]) throw new DomainError('not_found', 'No such API key');
  return rows[0];
}
