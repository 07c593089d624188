import type { DataSource } from 'typeorm';
import type { Locale } from '../../i18n';
import { INVITATION_TOKEN_PATTERN } from './invitation-token';

/** Who an invitation's unsubscribe link speaks for, and in which brand and language. */
export interface UnsubscribeTarget {
  /** null when the contact has been deleted since. */
  contactId: string | null;
  email: string | null;
  contactLocale: Locale | null;
  unsubscribed: boolean;
  brand: string;
  defaultLocale: Locale;
}

/** The target of an unsubscribe token, or null for a malformed or unknown token. */
export async function getUnsubscribeTarget(db: DataSource, token: string): Promise<UnsubscribeTarget | null> {
  if (!INVITATION_TOKEN_PATTERN.test(token)) return null;
  const rows: UnsubscribeTarget[] = await db.query(
    `SELECT c.id AS "contactId", c.email, c.locale AS "contactLocale", c.unsubscribed_at IS NOT NULL AS unsubscribed,
            g.brand, g.default_locale AS "defaultLocale"
     FROM invitations i LEFT JOIN contacts c ON c.id = i.contact_id CROSS JOIN settings g
     WHERE i.token = $1`,
    [token],
  );
  return rows[0] ?? null;
}

/** Unsubscribes the contact; unsubscribing again keeps the first time. */
export async function unsubscribeContact(db: DataSource, contactId: string): Promise<void> {
  await db.query(`UPDATE contacts SET unsubscribed_at = coalesce(unsubscribed_at, now()), updated_at = now() WHERE id = $1`, [contactId]);
}
