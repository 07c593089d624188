import type { DataSource } from 'typeorm';

export interface ResponseTopicRow { responseId: string; topicId: number; nameVi: string; nameEn: string }

/** The topics each of a page of answers mentions (the stored matches; an index range per answer), by topic id. */
export async function getResponseTopicRows(db: DataSource, responseIds: string[]): Promise<ResponseTopicRow[]> {
  if (responseIds.length === 0) return [];
  return db.query(
    `SELECT m.response_id::text AS "responseId", t.id AS "topicId", t.name_vi AS "nameVi", t.name_en AS "nameEn"
     FROM topic_responses m JOIN topics t ON t.id = m.topic_id
     WHERE m.response_id = ANY($1::bigint[]) ORDER BY m.response_id, t.id`,
    [responseIds],
  );
}
