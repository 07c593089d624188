/**
 * The contacts list (search, filters, keyset pagination), one contact's page, its edits, and erasure.
 * Search folds case and Vietnamese diacritics in SQL (fold_for_search, migration 1763800200000), so
 * "nguyen van" finds "Nguyễn Văn" and "do" finds "Đỗ"; a trigram index keeps it fast.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../../i18n';
import type { Cursor } from '../../web/params';
import type { ContactAttributes } from './contact.entity';

export type SubscriptionFilter = 'all' | 'subscribed' | 'unsubscribed';

export interface ContactFilter {
  q: string;
  /** `key` alone: contacts that have the attribute; `key=value`: whose attribute equals the value. */
  attribute: { key: string; value: string | null } | null;
  status: SubscriptionFilter;
}

export interface ContactListItem {
  id: string;
  email: string;
  name: string;
  locale: Locale;
  attributes: ContactAttributes;
  unsubscribedAt: Date | null;
  createdAt: Date;
}

type Queryable = Pick<DataSource | EntityManager, 'query'>;
// TypeORM answers a bare UPDATE/DELETE with [rows, count]; statements that need their rows wrap them in a CTE.

/** The JSON values an attribute typed as text may have been stored as: "5" also finds 5, "true" finds true. */
function attributeCandidates(key: string, value: string): string[] {
  const candidates: unknown[] = [value];
  if (/^-?\d+(\.\d+)?$/.test(value) && Number.isFinite(Number(value))) candidates.push(Number(value));
  if (value === 'true' || value === 'false') candidates.push(value === 'true');
  return candidates.map((v) => JSON.stringify({ [key]: v }));
}

/** LIKE treats % and _ as wildcards and \ as its escape: a search for "an_b" means those characters. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

function whereClauses(filter: ContactFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.q) {
    where.push(`fold_for_search(c.email || ' ' || c.name) LIKE '%' || fold_for_search(${param(likeLiteral(filter.q.normalize('NFC')))}) || '%'`);
  }
  if (filter.attribute?.value != null) {
    where.push(`c.attributes @> ANY(${param(attributeCandidates(filter.attribute.key, filter.attribute.value))}::jsonb[])`);
  } else if (filter.attribute) {
    where.push(`c.attributes ? ${param(filter.attribute.key)}`);
  }
  if (filter.status === 'subscribed') where.push('c.unsubscribed_at IS NULL');
  if (filter.status === 'unsubscribed') where.push('c.unsubscribed_at IS NOT NULL');
  return where;
}

/** Newest first, `limit` at a time; `nextCursor` is null on the last page. */
export async function listContactsPage(db: Queryable, filter: ContactFilter, cursor: Cursor | null, limit: number):
Promise<{ items: ContactListItem[]; nextCursor: Cursor | null }> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  if (cursor) {
    params.push(cursor.at, cursor.id);
    where.push(`(c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows: Array<ContactListItem & { cursorAt: string }> = await db.query(
    `SELECT c.id, c.email, c.name, c.locale, c.attributes, c.unsubscribed_at AS "unsubscribedAt", c.created_at AS "createdAt",
       to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursorAt"
     FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY c.created_at DESC, c.id DESC LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ cursorAt: _cursorAt, ...item }) => item),
    nextCursor: more && last ? { at: last.cursorAt, id: last.id } : null,
  };
}

export async function countContacts(db: Queryable, filter: ContactFilter): Promise<number> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  const rows: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
  return rows[0].n;
}

/** Every attribute key among the filtered contacts, for the export's columns. */
export async function attributeKeys(db: Queryable, filter: ContactFilter): Promise<string[]> {
  const params: unknown[] = [];
  const where = whereClauses(filter, params);
  const rows: Array<{ key: string }> = await db.query(
    `SELECT DISTINCT k AS key FROM contacts c CROSS JOIN LATERAL jsonb_object_keys(c.attributes) k
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY 1`, params);
  return rows.map((r) => r.key);
}

export interface ContactDetail extends ContactListItem {
  updatedAt: Date;
  responses: number;
  invitations: number;
}

export async function getContactDetail(db: Queryable, id: string): Promise<ContactDetail | null> {
  const rows: ContactDetail[] = await db.query(
    `SELECT c.id, c.email, c.name, c.locale, c.attributes, c.unsubscribed_at AS "unsubscribedAt", c.created_at AS "createdAt",
       c.updated_at AS "updatedAt",
       (SELECT count(*)::int FROM responses r WHERE r.contact_id = c.id) AS responses,
       (SELECT count(*)::int FROM invitations i WHERE i.contact_id = c.id) AS invitations
     FROM contacts c WHERE c.id = $1`, [id]);
  return rows[0] ?? null;
}

export interface ContactChanges {
  email: string;
  name: string;
  locale: Locale;
  attributes: ContactAttributes;
}

/** 'email_taken' when another contact has that address (emails are unique, case-insensitive). */
export async function updateContact(db: Queryable, id: string, changes: ContactChanges): Promise<'saved' | 'not_found' | 'email_taken'> {
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
export async function createContact(db: Queryable, contact: ContactChanges): Promise<string | null> {
  const rows: Array<{ id: string }> = await db.query(
    `INSERT INTO contacts (email, name, locale, attributes) VALUES ($1, $2, $3, $4)
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
    [contact.email, contact.name, contact.locale, JSON.stringify(contact.attributes)]);
  return rows[0]?.id ?? null;
}

/** Unsubscribes (keeping the first date) or resubscribes; false when there is no such contact. */
export async function setUnsubscribed(db: Queryable, id: string, unsubscribed: boolean): Promise<boolean> {
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
 * reports forget the address too, and the built-in mailbox drops the emails sent to it. Null when there is no such contact.
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
    // The built-in mailbox keeps copies of the emails sent to the person: they go too.
    await tx.query(`DELETE FROM mailbox_messages WHERE position(lower($1) IN lower(recipients)) > 0`, [found[0].email]);
    return { responses };
  });
}
