import type { DataSource } from 'typeorm';
import { conditions, responsesFrom, type ResponseListQuery } from './listResponses';

/** Counted up to this many; beyond, the page says "more than 10,000" (a count never scans a whole year). */
export const COUNT_CAP = 10_000;

/** How many responses match a list query (all pages), up to COUNT_CAP + 1. */
export async function countResponses(db: DataSource, q: ResponseListQuery): Promise<number> {
  const { params, p, where } = conditions({ ...q, cursor: undefined });
  const [{ n }]: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM ${responsesFrom(q)} JOIN surveys s ON s.id = r.survey_id
       ${q.attribute ? 'JOIN' : 'LEFT JOIN'} contacts c ON c.id = r.contact_id
       WHERE ${where.join(' AND ')} LIMIT ${p(COUNT_CAP + 1)}) x`,
    params,
  );
  return n;
}
