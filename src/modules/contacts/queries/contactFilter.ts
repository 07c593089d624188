/**
 * The contacts list's filters as SQL, shared by the list, its count and the export's columns. Search folds
 * case and Vietnamese diacritics in SQL (fold_for_search, migration 1763800200000), so "nguyen van" finds
 * "Nguyễn Văn" and "do" finds "Đỗ"; a trigram index keeps it fast.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from '../../../i18n';
import type { ContactAttributes } from '../contact.entity';

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

export type Queryable = Pick<DataSource | EntityManager, 'query'>;

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

/** The WHERE conditions of `filter`, its values appended to `params`. */
export function whereClauses(filter: ContactFilter, params: unknown[]): string[] {
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
