import type { DataSource, EntityManager } from 'typeorm';

interface ComposedAddress { name?: string; address: string }

/** The fields of a message as nodemailer's JSON transport composes it (addresses parsed, content resolved). */
interface ComposedMessage {
  from?: ComposedAddress | ComposedAddress[];
  to?: ComposedAddress | ComposedAddress[];
  cc?: ComposedAddress | ComposedAddress[];
  bcc?: ComposedAddress | ComposedAddress[];
  subject?: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
  attachments?: Array<{ cid?: string; contentType?: string; content?: string; encoding?: string }>;
}

function addressList(value: ComposedAddress | ComposedAddress[] | undefined): ComposedAddress[] {
  return Array.isArray(value) ? value : value ? [value] : [];
}

function formatAddresses(value: ComposedAddress | ComposedAddress[] | undefined): string {
  return addressList(value).map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}

/** Inline images (cid:) become data: URLs, so the stored HTML shows them without the MIME parts. */
function inlineImages(html: string, attachments: ComposedMessage['attachments']): string {
  let out = html;
  for (const a of attachments ?? []) {
    if (!a.cid || a.encoding !== 'base64' || !a.content || !/^image\/[a-z0-9.+-]+$/i.test(a.contentType ?? '')) continue;
    out = out.split(`cid:${a.cid}`).join(`data:${a.contentType};base64,${a.content}`);
  }
  return out;
}

/**
 * Stores one composed message; the same Message-ID twice is kept once. Besides the recipients as shown,
 * every address it went to (to, cc, bcc) is kept apart, lower-cased: erasing a contact deletes exactly
 * the messages sent to that address (see `deleteMailboxMessagesTo`).
 */
export async function storeInMailbox(db: DataSource, composed: unknown, messageId: string): Promise<void> {
  const m = composed as ComposedMessage;
  const addresses = [...addressList(m.to), ...addressList(m.cc), ...addressList(m.bcc)].map((a) => a.address);
  await db.query(
    `INSERT INTO mailbox_messages (message_id, sender, recipients, recipient_addresses, subject, html, text, headers)
     VALUES ($1, $2, $3, ARRAY(SELECT DISTINCT lower(btrim(a)) FROM unnest($4::text[]) a), $5, $6, $7, $8)
     ON CONFLICT (message_id) DO NOTHING`,
    [
      messageId, formatAddresses(m.from), formatAddresses(m.to), addresses, m.subject ?? '',
      typeof m.html === 'string' ? inlineImages(m.html, m.attachments) : null,
      typeof m.text === 'string' ? m.text : null,
      JSON.stringify(m.headers ?? {}),
    ],
  );
}

/**
 * Deletes the messages sent to one address (compared whole, ignoring letter case): never those to a
 * longer address that contains it, nor those whose display name mentions it. Returns how many went.
 */
export async function deleteMailboxMessagesTo(db: DataSource | EntityManager, address: string): Promise<number> {
  const rows: unknown[] = await db.query(
    `DELETE FROM mailbox_messages WHERE recipient_addresses @> ARRAY[lower(btrim($1))]::text[] RETURNING 1`, [address]);
  return rows.length;
}

export interface MailboxEntry {
  id: string;
  recipients: string;
  subject: string;
  createdAt: Date;
}

export const MAILBOX_PAGE_SIZE = 50;

/**
 * Newest first, keyset-paged: `before` is the id of the last message of the previous page. The order is
 * the table's numeric id: the output column `id` is text (bigint does not fit a JS number), and ORDER BY
 * a bare `id` would sort that text, putting 999 before 1000 and 1000 on no page at all.
 */
export async function listMailbox(db: DataSource, before: string | null): Promise<{ items: MailboxEntry[]; nextBefore: string | null }> {
  const rows: MailboxEntry[] = await db.query(
    `SELECT m.id::text AS id, m.recipients, m.subject, m.created_at AS "createdAt"
     FROM mailbox_messages m WHERE ($1::bigint IS NULL OR m.id < $1::bigint)
     ORDER BY m.id DESC LIMIT $2`,
    [before, MAILBOX_PAGE_SIZE + 1],
  );
  const more = rows.length > MAILBOX_PAGE_SIZE;
  const items = rows.slice(0, MAILBOX_PAGE_SIZE);
  return { items, nextBefore: more ? items[items.length - 1].id : null };
}

export interface MailboxMessage extends MailboxEntry {
  messageId: string;
  sender: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
}

export async function getMailboxMessage(db: DataSource, id: string): Promise<MailboxMessage | null> {
  const rows: MailboxMessage[] = await db.query(
    `SELECT id::text AS id, message_id AS "messageId", sender, recipients, subject, html, text, headers, created_at AS "createdAt"
     FROM mailbox_messages WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
