import type { DataSource, EntityManager } from 'typeorm';

/** How many of the latest contacts and answers are looked at for the keys offered (bounded: a page, not a scan of 10 M rows). */
export const KEY_SAMPLE = 20_000;

export interface KnownDimensionKeys { attributes: string[]; hidden: string[] }

/**
 * The keys the dimensions form offers: contact attribute keys and hidden fields of answers, each from a
 * bounded sample (the latest contacts and answers) with a string value somewhere, plus those already chosen.
 */
export async function listKnownDimensionKeys(db: Pick<DataSource | EntityManager, 'query'>): Promise<KnownDimensionKeys> {
  const rows: Array<{ source: 'attribute' | 'hidden'; key: string }> = await db.query(
    `SELECT DISTINCT 'attribute' AS source, k.key FROM (SELECT attributes FROM contacts ORDER BY created_at DESC LIMIT ${KEY_SAMPLE}) c
       CROSS JOIN LATERAL jsonb_each(c.attributes) k WHERE jsonb_typeof(k.value) = 'string' AND k.key ~ '^[A-Za-z0-9_.-]{1,40}$'
     UNION
     SELECT DISTINCT 'hidden', k.key FROM (SELECT hidden FROM responses ORDER BY created_at DESC LIMIT ${KEY_SAMPLE}) r
       CROSS JOIN LATERAL jsonb_each(r.hidden) k WHERE jsonb_typeof(k.value) = 'string' AND k.key ~ '^[A-Za-z0-9_.-]{1,40}$'
     UNION
     SELECT source, key FROM segment_dimensions
     ORDER BY 1, 2`);
  return {
    attributes: rows.filter((r) => r.source === 'attribute').map((r) => r.key),
    hidden: rows.filter((r) => r.source === 'hidden').map((r) => r.key),
  };
}
