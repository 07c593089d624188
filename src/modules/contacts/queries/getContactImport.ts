import type { DataSource } from 'typeorm';
import type { ColumnMapping, RowProblem } from '../contacts-csv';

export type ImportStatus = 'running' | 'done' | 'failed';

export interface ContactImport {
  id: string;
  userEmail: string | null;
  fileName: string;
  status: ImportStatus;
  total: number;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  errors: RowProblem[];
  columns: ColumnMapping['columns'];
  message: 'interrupted' | 'error' | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export const CONTACT_IMPORT_COLUMNS = `i.id, u.email AS "userEmail", i.file_name AS "fileName", i.status, i.total, i.processed, i.created,
  i.updated, i.failed, i.columns, i.message, i.started_at AS "startedAt", i.finished_at AS "finishedAt"`;

/** One import with its error report, as its progress page shows it. */
export async function getContactImport(db: DataSource, id: string): Promise<ContactImport | null> {
  const rows: ContactImport[] = await db.query(
    `SELECT ${CONTACT_IMPORT_COLUMNS}, i.errors FROM contact_imports i LEFT JOIN users u ON u.id = i.user_id WHERE i.id = $1`, [id]);
  return rows[0] ?? null;
}
