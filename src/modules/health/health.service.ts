import type { DataSource } from 'typeorm';

/** Resolves when the database answers within `timeoutMs`; rejects otherwise. */
export async function checkDatabase(db: DataSource, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('SELECT 1'),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('database timeout')), timeoutMs).unref(); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
