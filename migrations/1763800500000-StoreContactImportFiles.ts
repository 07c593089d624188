import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contact imports run as jobs on the queue, on whichever instance takes them, and resume after a restart:
 * the uploaded file is kept in the database (in parts of 256 KB) until its import ends, instead of in
 * the uploading instance's DATA_DIR. Progress is the import's `processed` count, committed with each chunk.
 *
 * Imports still running when this migration runs were started by the previous version, which runs them
 * outside any job: nothing will resume them, so they end as interrupted, as that version reported them.
 */
export class StoreContactImportFiles1763800500000 implements MigrationInterface {
  name = 'StoreContactImportFiles1763800500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE contact_import_files (
        import_id uuid NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
        part integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (import_id, part)
      )`);
    await q.query(`
      UPDATE contact_imports SET status = 'failed', message = 'interrupted', finished_at = now(), updated_at = now()
      WHERE status = 'running'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS contact_import_files`);
  }
}
