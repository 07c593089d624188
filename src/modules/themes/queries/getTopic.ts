import type { DataSource } from 'typeorm';
import type { TopicRow } from './listTopics';

/** One topic by id, or undefined. */
export async function getTopicRow(db: DataSource, id: number): Promise<TopicRow | undefined> {
  const [row] = await db.query(`SELECT id, name_vi AS "nameVi", name_en AS "nameEn", keywords, counted, created_at AS "createdAt" FROM topics WHERE id = $1`, [id]);
  return row;
}
