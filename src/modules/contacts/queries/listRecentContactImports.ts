import type { DataSource } from 'typeorm';
import { CONTACT_IMPORT_COLUMNS, type ContactImport } from './getContactImport';

/** The latest imports, newest first, without their error reports. */
export async function listRecentContactImports(db: DataSource, limit = 10): Promise<Array<Omit<ContactImport, 'errors'>>> {
  return db.query(
    `SELECT ${CONTACT_IMPORT_COLUMNS} FROM contact_imports i LEFT JOIN users u ON u.id = i.user_id ORDER BY i.started_at DESC LIMIT $1`, [limit]);
}
