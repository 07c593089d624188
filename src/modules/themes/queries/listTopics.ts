import type { DataSource } from 'typeorm';

export interface TopicRow { id: number; nameVi: string; nameEn: string; keywords: string[]; counted: boolean; createdAt: Date }

/** Every topic the team defined, oldest first (a few dozen rows). */
export async function listTopicRows(db: DataSource): Promise<TopicRow[]> {
  return db.query(`SELECT id, name_vi AS "nameVi", name_en AS "nameEn", keywords, counted, created_at AS "createdAt" FROM topics ORDER BY id`);
}
