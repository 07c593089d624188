import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts management: CSV imports tracked as rows (progress and the per-row error report), contact search
 * that ignores case and Vietnamese diacritics ("nguyen" finds "Nguyễn", "do" finds "Đỗ"), and the index
 * the keyset-paginated list walks (newest first).
 *
 * `unaccent` and `pg_trgm` are trusted extensions (PostgreSQL 13+): the database owner may create them.
 * `unaccent()` is only STABLE (its dictionary could change), so an index needs an IMMUTABLE wrapper that
 * names the dictionary explicitly — the usual PostgreSQL recipe.
 */
export class CreateContactImports1763800200000 implements MigrationInterface {
  name = 'CreateContactImports1763800200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    const schemaOf = async (ext: string): Promise<string> => {
      const rows: Array<{ schema: string }> = await q.query(
        `SELECT quote_ident(n.nspname) AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1`, [ext]);
      return rows[0].schema;
    };
    const unaccentSchema = await schemaOf('unaccent');
    const trgmSchema = await schemaOf('pg_trgm');

    await q.query(`
      CREATE FUNCTION fold_for_search(value text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT lower(${unaccentSchema}.unaccent('${unaccentSchema}.unaccent'::regdictionary, value))
      $$`);
    await q.query(`CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (fold_for_search(email || ' ' || name) ${trgmSchema}.gin_trgm_ops)`);
    await q.query(`CREATE INDEX contacts_created_idx ON contacts (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE contact_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        file_name text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
        total integer NOT NULL DEFAULT 0,
        processed integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        columns jsonb NOT NULL DEFAULT '[]',
        message text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX contact_imports_started_idx ON contact_imports (started_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS contact_imports`);
    await q.query(`DROP INDEX IF EXISTS contacts_created_idx`);
    await q.query(`DROP INDEX IF EXISTS contacts_search_trgm_idx`);
    await q.query(`DROP FUNCTION IF EXISTS fold_for_search(text)`);
    // The extensions stay: other objects may have come to depend on them, and they change nothing by themselves.
  }
}
