import type { DataSource } from 'typeorm';

export interface PhraseLabel { id: number; language: 'vi' | 'en'; key: string; label: string }

/** Labels of the given phrases (the dictionary grows with the vocabulary, not with the responses). */
export async function getPhraseLabels(db: DataSource, ids: number[]): Promise<PhraseLabel[]> {
  if (ids.length === 0) return [];
  return db.query(`SELECT id, language, key, label FROM comment_phrases WHERE id = ANY($1::int[])`, [ids]);
}
