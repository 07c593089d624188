import type { DataSource } from 'typeorm';
import type { ImportStatus } from './getContactImport';

export interface ImportProgress {
  status: ImportStatus;
  /** Data rows of the file (blank lines aside), as the upload counted them. */
  total: number;
  /** Data rows already committed: a resumed import skips them. */
  processed: number;
  /** The import's clock: its rows are validated against it on every run. */
  startedAt: Date;
}

/** Where an import stands, for its job to go on from there. */
export async function getImportProgress(db: DataSource, id: string): Promise<ImportProgress | null> {
  const rows: ImportProgress[] = await db.query(
    `SELECT status, total, processed, started_at AS "startedAt" FROM contact_imports WHERE id = $1`, [id]);
  return rows[0] ?? null;
}
