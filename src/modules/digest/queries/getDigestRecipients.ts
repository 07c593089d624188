import type { DataSource } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { DigestFrequency } from '../digest.period';

export interface DigestRecipient {
  /** The address as written; `recipient` (lower case) is the idempotency key with the period. */
  email: string;
  recipient: string;
  kind: 'user' | 'extra';
  userId: string | null;
  locale: Locale;
}

/**
 * SPEC §12: every user who chose this frequency, plus — for the weekly digest — the extra addresses of
 * Settings (in the organisation's language). An address that is both gets one digest, as the user.
 */
export async function getDigestRecipients(db: DataSource, frequency: DigestFrequency): Promise<DigestRecipient[]> {
  const rows: DigestRecipient[] = await db.query(
    `SELECT u.email, lower(u.email) AS recipient, 'user' AS kind, u.id AS "userId", u.locale
     FROM users u WHERE u.digest_frequency = $1
     UNION ALL
     SELECT x.email, lower(x.email), 'extra', NULL, g.default_locale
     FROM settings g CROSS JOIN unnest(g.digest_recipients) AS x(email)
     WHERE $1 = 'weekly'
     ORDER BY 2, 3 DESC`,
    [frequency],
  );
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.recipient) && !!seen.add(r.recipient));
}
