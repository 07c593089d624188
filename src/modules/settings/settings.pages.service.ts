import type { DataSource } from 'typeorm';
import { isValidTimeZone } from '../../time';
import { rebuildRollupsInTransaction } from '../metrics/rollup';

/** Saving the organisation's settings, and keeping the daily rollup true to its time zone. */

/**
 * The zone as PostgreSQL spells it when both Node (pages, API offsets) and PostgreSQL (the daily rollup)
 * know it; null otherwise. Only the letter case is corrected: Intl would also turn Asia/Ho_Chi_Minh into
 * its older alias Asia/Saigon. Offsets like "+07:00" are refused: PostgreSQL reads them with the POSIX sign.
 */
export async function canonicalTimeZone(db: DataSource, input: string): Promise<string | null> {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(input) || !isValidTimeZone(input)) return null;
  const rows: Array<{ name: string }> = await db.query(
    `SELECT name FROM pg_timezone_names WHERE lower(name) = lower($1) ORDER BY name = $1 DESC LIMIT 1`, [input]);
  return rows[0]?.name ?? null;
}

/** Region/City zones and UTC, as PostgreSQL knows them and Node can use: the suggestions of the form. */
export async function listTimeZones(db: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await db.query(
    `SELECT name FROM pg_timezone_names
     WHERE name ~ '^(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)/' OR name = 'UTC'
     ORDER BY name`);
  return rows.map((r) => r.name).filter(isValidTimeZone);
}

export interface SettingsInput {
  brand: string;
  timeZone: string;
  defaultLocale: 'vi' | 'en';
  recontactDays: number;
  reminderDays: number;
  digestWeekday: number;
  digestHour: number;
  digestRecipients: string[];
  digestSkipEmpty: boolean;
}

/**
 * Saves the settings. The rollups hold days in the zone at write time, so a new zone rebuilds them
 * in the same transaction; responses are locked against writes meanwhile, so an answer arriving during
 * the switch is counted exactly once, on its day in the new zone.
 */
export async function updateSettings(db: DataSource, input: SettingsInput): Promise<{ timeZoneChanged: boolean }> {
  return db.transaction(async (tx) => {
    const [{ time_zone: current }] = await tx.query(`SELECT time_zone FROM settings WHERE id = 1 FOR UPDATE`);
    const timeZoneChanged = current !== input.timeZone;
    await tx.query(
      `UPDATE settings SET brand = $1, time_zone = $2, default_locale = $3, recontact_days = $4, reminder_days = $5,
              digest_weekday = $6, digest_hour = $7, digest_recipients = $8, digest_skip_empty = $9, updated_at = now()
       WHERE id = 1`,
      [input.brand, input.timeZone, input.defaultLocale, input.recontactDays, input.reminderDays,
        input.digestWeekday, input.digestHour, input.digestRecipients, input.digestSkipEmpty]);
    if (timeZoneChanged) await rebuildRollupsInTransaction(tx);
    return { timeZoneChanged };
  });
}
