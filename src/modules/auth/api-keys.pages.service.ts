import type { DataSource } from 'typeorm';

/** Listing and revoking API keys; creating one is createApiKey (api-key.service.ts). */

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
export async function revokeApiKey(db: DataSource, id: string): Promise<{ name: string } | null> {
  // Wrapped in a SELECT: TypeORM hands back an UPDATE's rows as [rows, count].
  const rows: Array<{ name: string }> = await db.query(
    `WITH k AS (UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING name) SELECT name FROM k`, [id]);
  return rows[0] ?? null;
}
