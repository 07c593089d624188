import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../../i18n';
import { deleteMailboxMessagesTo } from '../../mail';
import { forgetContactInPendingDeliveries } from '../webhooks';
import { toDetails } from '../../web/middleware/validate';
import type { ContactAttributes } from './contact.entity';
import { contactSchema, type ContactInput } from './contacts.schemas';

/**
 * Every write to contacts but the CSV import's (contact-imports.service.ts): the API's upsert, the contact
 * a response or an invitation names, and the dashboard's create, edit, unsubscribe and erase.
 * TypeORM answers a bare UPDATE/DELETE with [rows, count]; statements that need their rows wrap them in a CTE.
 */

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
  for (const row of rows) {
    if (row.created) report.created++;
    else report.updated++;
  }
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

export interface ContactChanges {
  email: string;
  name: string;
  locale: Locale;
  attributes: ContactAttributes;
}

/** 'email_taken' when another contact has that address (emails are unique, case-insensitive). */
export async function updateContact(db: DataSource | EntityManager, id: string, changes: ContactChanges): Promise<'saved' | 'not_found' | 'email_taken'> {
  const taken: unknown[] = await db.query(`SELECT 1 FROM contacts WHERE lower(email) = lower($1) AND id <> $2`, [changes.email, id]);
  if (taken.length > 0) return 'email_taken';
  try {
    const rows: unknown[] = await db.query(
      `WITH changed AS (
         UPDATE contacts SET email = $2, name = $3, locale = $4, attributes = $5, updated_at = now() WHERE id = $1 RETURNING id
       ) SELECT id FROM changed`,
      [id, changes.email, changes.name, changes.locale, JSON.stringify(changes.attributes)]);
    return rows.length > 0 ? 'saved' : 'not_found';
  } catch (err) {
    // Someone took the address between the check and the update.
    if ((err as { driverError?: { code?: string } }).driverError?.code === '23505') return 'email_taken';
    throw err;
  }
}

/** Creates a contact by hand; null when the email is already a contact's. */
export async function createContact(db: DataSource | EntityManager, contact: ContactChanges): Promise<string | null> {
  const rows: Array<{ id: string }> = await db.query(
    `INSERT INTO contacts (email, name, locale, attributes) VALUES ($1, $2, $3, $4)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
    [contact.email, contact.name, contact.locale, JSON.stringify(contact.attributes)]);
  return rows[0]?.id ?? null;
}

/** Unsubscribes (keeping the first date) or resubscribes; false when there is no such contact. */
export async function setUnsubscribed(db: DataSource | EntityManager, id: string, unsubscribed: boolean): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH changed AS (
       UPDATE contacts SET unsubscribed_at = CASE WHEN $2 THEN coalesce(unsubscribed_at, now()) END, updated_at = now()
       WHERE id = $1 RETURNING id
     ) SELECT id FROM changed`, [id, unsubscribed]);
  return rows.length > 0;
}

/**
 * Erases a contact's personal data: the contact row goes; its responses stay (scores do not change) but
 * lose every link to the person — contact_id (the foreign key sets it null) and the hidden fields a link
 * carried (an order number or a staff name can identify someone). Score, comment, channel, language and
 * time stay, so the daily rollup is untouched. Its invitations lose contact_id (foreign key). Import error
 * reports forget the address too, the built-in mailbox drops the emails sent to it, and webhook deliveries
 * still waiting to be sent forget it. Null when there is no such contact.
 */
export async function eraseContact(db: DataSource, id: string): Promise<{ responses: number } | null> {
  return db.transaction(async (tx) => {
    const found: Array<{ email: string }> = await tx.query(`SELECT email FROM contacts WHERE id = $1 FOR UPDATE`, [id]);
    if (found.length === 0) return null;
    const [{ responses }]: Array<{ responses: number }> = await tx.query(
      `WITH anonymised AS (
         UPDATE responses SET hidden = '{}'
         WHERE contact_id = $1 OR invitation_id IN (SELECT i.id FROM invitations i WHERE i.contact_id = $1)
         RETURNING 1
       ) SELECT count(*)::int AS responses FROM anonymised`, [id]);
    await tx.query(`DELETE FROM contacts WHERE id = $1`, [id]);
    await tx.query(
      `UPDATE contact_imports SET errors = (
         SELECT jsonb_agg(CASE WHEN lower(e ->> 'email') = lower($1) THEN e || '{"email": ""}' ELSE e END ORDER BY n)
         FROM jsonb_array_elements(errors) WITH ORDINALITY AS x(e, n))
       WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(errors) e WHERE lower(e ->> 'email') = lower($1))`, [found[0].email]);
    // The built-in mailbox keeps copies of the emails sent to the person: they go too, and only theirs.
    await deleteMailboxMessagesTo(tx, found[0].email);
    // Webhook deliveries not yet sent carry the address in their body: it goes from there too.
    await forgetContactInPendingDeliveries(tx, found[0].email);
    return { responses };
  });
}
