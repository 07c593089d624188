import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { enqueueInvitationEmails, wakeLocalWorkers } from './queue';

/** Every 10 minutes; pg-boss fires a schedule once per tick across all instances. */
export const REMINDER_SCHEDULE = '*/10 * * * *';

/**
 * Invitations sent more than this long before the reminder came due are never reminded (for example
 * when reminders are switched back on after a pause): a reminder weeks late would only annoy.
 */
const LATE_REMINDER_GRACE_DAYS = 7;
const PER_TRANSACTION = 5000;

/**
 * Queues the one reminder of every invitation sent `reminder_days` ago (settings; 0 switches reminders
 * off) that has no answer, whose contact is still subscribed and whose survey is still open. Each
 * invitation is marked in the same transaction as its job, so a later scan never queues it again.
 */
export async function queueDueReminders(db: DataSource, boss: PgBoss): Promise<number> {
  const [{ reminderDays }]: Array<{ reminderDays: number }> = await db.query(`SELECT reminder_days AS "reminderDays" FROM settings WHERE id = 1`);
  if (reminderDays <= 0) return 0;
  let total = 0;
  for (;;) {
    const qr = db.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const rows: Array<{ id: string }> = await qr.query(
        `WITH due AS (
         UPDATE invitations SET reminder_queued_at = now()
         WHERE id IN (
           SELECT i.id FROM invitations i
           JOIN contacts c ON c.id = i.contact_id
           JOIN surveys s ON s.id = i.survey_id
           WHERE i.status = 'sent' AND i.channel = 'email'
             AND i.responded_at IS NULL AND i.reminded_at IS NULL AND i.reminder_queued_at IS NULL
             AND i.sent_at <= now() - make_interval(days => $1::int)
             AND i.sent_at > now() - make_interval(days => $1::int + $2::int)
             AND c.unsubscribed_at IS NULL AND s.status = 'active'
           LIMIT $3 FOR UPDATE OF i SKIP LOCKED)
         RETURNING id)
         SELECT id FROM due`,
        [reminderDays, LATE_REMINDER_GRACE_DAYS, PER_TRANSACTION],
      );
      await enqueueInvitationEmails(boss, qr, rows.map((r) => ({ invitationId: r.id, reminder: true })));
      await qr.commitTransaction();
      total += rows.length;
      if (rows.length < PER_TRANSACTION) break;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      throw err;
    } finally {
      await qr.release();
    }
  }
  if (total > 0) wakeLocalWorkers();
  return total;
}
