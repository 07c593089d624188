import { DataSource } from 'typeorm';
import { Settings } from './settings.entity';

/** The organisation's settings: one row, created by the first migration. */
export async function getSettings(db: DataSource): Promise<Settings> {
  return db.getRepository(Settings).findOneByOrFail({ id: 1 });
}
