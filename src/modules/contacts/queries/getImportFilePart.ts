import type { DataSource } from 'typeorm';

/** One part of an import's stored file, in order from 0; null past the last part. */
export async function getImportFilePart(db: DataSource, importId: string, part: number): Promise<Buffer | null> {
  const rows: Array<{ data: Buffer }> = await db.query(
    `SELECT data FROM contact_import_files WHERE import_id = $1 AND part = $2`, [importId, part]);
  return rows[0]?.data ?? null;
}
