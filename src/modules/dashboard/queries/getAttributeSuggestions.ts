import type { DataSource } from 'typeorm';

/**
 * key=value pairs to suggest in the segment filter, from a bounded sample of contacts (the first few
 * hundred with attributes): cheap on any contact list, and it shows the attributes a team actually uses.
 */
export async function getAttributeSuggestions(db: DataSource): Promise<string[]> {
  const rows: Array<{ pair: string }> = await db.query(
    `SELECT DISTINCT e.key || '=' || e.value AS pair
     FROM (SELECT attributes FROM contacts WHERE attributes <> '{}'::jsonb LIMIT 300) c, jsonb_each_text(c.attributes) e
     WHERE length(e.key) <= 40 AND length(e.value) BETWEEN 1 AND 60 AND jsonb_typeof(c.attributes -> e.key) = 'string'
     ORDER BY 1 LIMIT 40`,
  );
  return rows.map((r) => r.pair);
}
