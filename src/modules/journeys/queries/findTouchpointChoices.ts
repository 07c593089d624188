import type { DataSource } from 'typeorm';

export interface TouchpointChoice { id: number; stageId: number; nameVi: string; nameEn: string }

export interface TouchpointChoices {
  /** Journey order; the selected touchpoint always among them. */
  choices: TouchpointChoice[];
  /** Touchpoints in all, and those matching the search. */
  total: number;
  matches: number;
}

/**
 * Touchpoints for a picker: those whose name (either language) or key contains `search` (all when empty),
 * at most `limit`, plus the one already chosen (fetched first, so the limit never drops it), in journey
 * order. A form never lists a chain's thousand stores at once. One row, whatever matches.
 */
export async function findTouchpointChoices(db: DataSource, q: { search: string; selectedId: number | null; limit: number }): Promise<TouchpointChoices> {
  const [row]: Array<{ total: number; matches: number; choices: TouchpointChoice[] }> = await db.query(
    `WITH m AS (
       SELECT t.id, t.stage_id, t.name_vi, t.name_en, t.position, s.position AS sp,
              ($1 = '' OR strpos(lower(t.name_vi), lower($1)) > 0 OR strpos(lower(t.name_en), lower($1)) > 0 OR strpos(t.key, lower($1)) > 0) AS hit
       FROM touchpoints t JOIN stages s ON s.id = t.stage_id)
     SELECT (SELECT count(*) FROM m)::int AS total, (SELECT count(*) FROM m WHERE hit)::int AS matches,
            (SELECT coalesce(json_agg(json_build_object('id', c.id, 'stageId', c.stage_id, 'nameVi', c.name_vi, 'nameEn', c.name_en)
                                      ORDER BY c.sp, c.position, c.id), '[]'::json)
             FROM (SELECT * FROM m WHERE hit OR id = $2 ORDER BY (id = $2) DESC, sp, position, id LIMIT $3) c) AS choices`,
    [q.search, q.selectedId, q.limit],
  );
  return row;
}
