import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import { isValidTimeZone } from '../../time';
import { rebuildRollupsInTransaction } from '../metrics';
import { Settings } from './settings.entity';

/** The organisation's settings (one row, created by the first migration), and keeping the daily rollup true to its time zone. */

export async function getSettings(db: DataSource): Promise<Settings> {
  return db.getRepository(Settings).findOneByOrFail({ id: 1 });
}

/**
 * The zone as PostgreSQL spells it when both Node (pages, API offsets) and PostgreSQL (the daily rollup)
 * know it; null otherwise. Only the letter case is corrected: Intl would also turn Asia/Ho_Chi_Minh into
 * its older alias Asia/Saigon. Offsets like "+07:00" are refused: PostgreSQL reads them with the POSIX sign.
 */
export async function canonicalTimeZone(db: Pick<DataSource | EntityManager, 'query'>, input: string): Promise<string | null> {
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
  /** Any letter case: it is stored under its canonical name. */
  timeZone: string;
  defaultLocale: 'vi' | 'en';
  recontactDays: number;
  reminderDays: number;
  digestWeekday: number;
  digestHour: number;
  digestRecipients: string[];
  /** Send no digest for a period without answers (instead of a short "no new feedback" one). */
  digestSkipEmpty: boolean;
  /** Where detractor alerts go when a touchpoint has no owner (empty: the admins); unchanged when left out. */
  alertRecipients?: string[];
  /** Journey analytics (drivers' outcome window, at-risk follow-up age); unchanged when left out. */
  driverWindowDays?: number;
  atRiskFollowUpDays?: number;
}

/**
 * Saves the settings. The rollups hold days in the zone at write time, so a new zone rebuilds them
 * in the same transaction; responses are locked against writes meanwhile, so an answer arriving during
 * the switch is counted exactly once, on its day in the new zone.
 */
export async function updateSettings(db: DataSource, input: SettingsInput): Promise<{ timeZone: string; timeZoneChanged: boolean }> {
  return db.transaction(async (tx) => {
    const timeZone = await canonicalTimeZone(tx, input.timeZone);
    if (!timeZone) {
      throw new DomainError('invalid', `Unknown time zone "${input.timeZone}"`, {
        details: [{ path: 'timeZone', message: 'unknown time zone' }], messageKey: 'manage.err.timeZone',
      });
    }
    const [{ time_zone: current }]: Array<{ time_zone: string }> = await tx.query(`SELECT time_zone FROM settings WHERE id = 1 FOR UPDATE`);
    const timeZoneChanged = current !== timeZone;
    await tx.query(
      `UPDATE settings SET brand = $1, time_zone = $2, default_locale = $3, recontact_days = $4, reminder_days = $5,
              digest_weekday = $6, digest_hour = $7, digest_recipients = $8, digest_skip_empty = $9,
              alert_recipients = coalesce($10::text[], alert_recipients),
              driver_window_days = coalesce($11::int, driver_window_days), at_risk_follow_up_days = coalesce($12::int, at_risk_follow_up_days), updated_at = now()
       WHERE id = 1`,
      [input.brand, timeZone, input.defaultLocale, input.recontactDays, input.reminderDays,
        input.digestWeekday, input.digestHour, input.digestRecipients, input.digestSkipEmpty, input.alertRecipients ?? null,
        input.driverWindowDays ?? null, input.atRiskFollowUpDays ?? null]);
    if (timeZoneChanged) await rebuildRollupsInTransaction(tx);
    return { timeZone, timeZoneChanged };
  });
}
