import type { DataSource, EntityManager } from 'typeorm';
import { toDetails } from '../../web/middleware/validate';
import { contactSchema, type ContactInput } from './contacts.schemas';

export interface UpsertReport {
  created: number;
  updated: number;
  errors: Array<{ index: number; message: string }>;
}

/**
 * Upserts contacts by email (case-insensitive). Fields not given are kept; given attributes are merged
 * into the existing ones. Invalid items are reported by index and the valid ones are still stored.
 */
export async function upsertContacts(db: DataSource | EntityManager, items: unknown[]): Promise<UpsertReport> {
  const report: UpsertReport = { created: 0, updated: 0, errors: [] };
  const seen = new Set<string>();
  const valid: ContactInput[] = [];
  items.forEach((item, index) => {
    const { value, error } = contactSchema.validate(item, { abortEarly: false, convert: true });
    if (error) {
      report.errors.push({ index, message: toDetails(error).map((d) => d.message).join('; ') });
      return;
    }
    const key = value.email.toLowerCase();
    if (seen.has(key)) {
      report.errors.push({ index, message: `${value.email} appears more than once in this request` });
      return;
    }
    seen.add(key);
    valid.push(value);
  });
  if (valid.length === 0) return report;
  const rows: Array<{ created: boolean }> = await db.query(
    `INSERT INTO contacts (email, name, locale, attributes)
     SELECT x.email, coalesce(x.name, ''), coalesce(x.locale, 'vi'), coalesce(x.attributes, '{}')
     FROM jsonb_to_recordset($1::jsonb) AS x(email text, name text, locale text, attributes jsonb)
     ON CONFLICT ((lower(email))) DO UPDATE SET
       name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE contacts.name END,
       locale = coalesce((SELECT y.locale FROM jsonb_to_recordset($1::jsonb) AS y(email text, locale text)
                          WHERE lower(y.email) = lower(EXCLUDED.email) AND y.locale IS NOT NULL), contacts.locale),
       attributes = contacts.attributes || EXCLUDED.attributes,
       updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [JSON.stringify(valid)],
  );
  for (const row of rows) row.created ? report.created++ : report.updated++;
  return report;
}

/** The contact with this email, created (name empty, default locale) when it does not exist yet. */
export async function findOrCreateContact(db: DataSource | EntityManager, email: string): Promise<{ id: string; locale: 'vi' | 'en' }> {
  const rows: Array<{ id: string; locale: 'vi' | 'en' }> = await db.query(
    `INSERT INTO contacts (email) VALUES ($1)
     ON CONFLICT ((lower(email))) DO UPDATE SET updated_at = contacts.updated_at
     RETURNING id, locale`,
    [email.trim()],
  );
  return rows[0];
}
