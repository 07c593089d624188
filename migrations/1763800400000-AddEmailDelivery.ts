import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email delivery of invitations (SPEC §4).
 * - Send batches; one invitation per (batch, contact), so a retried or resumed send never creates a second.
 * - 'sending' is a claim with a lease: a worker that dies mid-send loses its claim when the lease runs out,
 *   and the mail is retried instead of lost. 'cancelled' is mail that must not go out any more
 *   (the contact unsubscribed or was deleted, the survey closed).
 * - reminder_queued_at marks invitations whose one reminder has been scheduled.
 * - The built-in mailbox (no SMTP_URL): every email is stored and an admin reads it in the dashboard.
 *   The Message-ID is unique, so a message delivered twice is kept once, as a mail client would show it.
 */
export class AddEmailDelivery1763800400000 implements MigrationInterface {
  name = 'AddEmailDelivery1763800400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invitation_batches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('api', 'dashboard')),
        requested_by text NOT NULL DEFAULT '',
        audience jsonb NOT NULL DEFAULT '{}',
        queued integer NOT NULL DEFAULT 0,
        skipped jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX invitation_batches_survey_idx ON invitation_batches (survey_id, created_at DESC)`);

    await q.query(`ALTER TABLE invitations DROP CONSTRAINT invitations_status_check`);
    await q.query(`ALTER TABLE invitations ADD CONSTRAINT invitations_status_check
      CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled'))`);
    await q.query(`
      ALTER TABLE invitations
        ADD COLUMN batch_id uuid REFERENCES invitation_batches(id) ON DELETE SET NULL,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN claimed_until timestamptz,
        ADD COLUMN reminder_queued_at timestamptz`);
    await q.query(`CREATE UNIQUE INDEX invitations_batch_contact_key ON invitations (batch_id, contact_id) WHERE batch_id IS NOT NULL`);
    await q.query(`CREATE INDEX invitations_sending_idx ON invitations (claimed_until) WHERE status = 'sending'`);
    await q.query(`CREATE INDEX invitations_reminder_idx ON invitations (sent_at)
      WHERE status = 'sent' AND responded_at IS NULL AND reminded_at IS NULL AND reminder_queued_at IS NULL`);

    await q.query(`
      CREATE TABLE mailbox_messages (
        id bigserial PRIMARY KEY,
        message_id text NOT NULL,
        sender text NOT NULL,
        recipients text NOT NULL,
        subject text NOT NULL DEFAULT '',
        html text,
        text text,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX mailbox_messages_message_id_key ON mailbox_messages (message_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mailbox_messages`);
    await q.query(`DROP INDEX IF EXISTS invitations_reminder_idx`);
    await q.query(`DROP INDEX IF EXISTS invitations_sending_idx`);
    await q.query(`DROP INDEX IF EXISTS invitations_batch_contact_key`);
    await q.query(`ALTER TABLE invitations DROP COLUMN reminder_queued_at, DROP COLUMN claimed_until, DROP COLUMN attempts, DROP COLUMN batch_id`);
    await q.query(`UPDATE invitations SET status = 'queued' WHERE status = 'sending'`);
    await q.query(`UPDATE invitations SET status = 'failed' WHERE status = 'cancelled'`);
    await q.query(`ALTER TABLE invitations DROP CONSTRAINT invitations_status_check`);
    await q.query(`ALTER TABLE invitations ADD CONSTRAINT invitations_status_check CHECK (status IN ('queued', 'sent', 'failed'))`);
    await q.query(`DROP TABLE IF EXISTS invitation_batches`);
  }
}
