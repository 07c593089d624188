import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The score digest (SPEC §6, §12).
 * - Each user picks weekly (the default), daily or off; `digest_opt_out` becomes `off`.
 * - `digest_skip_empty`: a period without answers sends no digest instead of a short "no new feedback" one.
 * - `digest_runs`: one row per period (`week:<monday>` or `day:<date>`) once its digest was dispatched.
 * - `digest_contents`: what was sent for a period, built once per language (HTML, text, trend chart PNG)
 *   and audience (users, or extra addresses: only the footer differs); every recipient's email is this
 *   content with their own unsubscribe link.
 * - `digest_deliveries`: the idempotency key (period, recipient address), inserted — and so claimed — before
 *   anything is sent, in the transaction that queues its job. 'sending' is a claim with a lease, as for
 *   invitations: a worker that dies mid-send loses it when the lease runs out and the mail is retried.
 *   `claim` names the claim: a worker sends only while the claim it took is still the delivery's.
 */
export class AddScoreDigest1763801000000 implements MigrationInterface {
  name = 'AddScoreDigest1763801000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN digest_frequency text NOT NULL DEFAULT 'weekly'
      CHECK (digest_frequency IN ('weekly', 'daily', 'off'))`);
    await q.query(`UPDATE users SET digest_frequency = 'off' WHERE digest_opt_out`);
    await q.query(`ALTER TABLE users DROP COLUMN digest_opt_out`);
    await q.query(`ALTER TABLE settings ADD COLUMN digest_skip_empty boolean NOT NULL DEFAULT false`);

    await q.query(`
      CREATE TABLE digest_runs (
        period_key text PRIMARY KEY,
        frequency text NOT NULL CHECK (frequency IN ('weekly', 'daily')),
        period_from date NOT NULL,
        period_to date NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('queued', 'skipped_empty')),
        recipients integer NOT NULL DEFAULT 0,
        build_ms integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE digest_contents (
        period_key text NOT NULL REFERENCES digest_runs(period_key) ON DELETE CASCADE,
        locale text NOT NULL CHECK (locale IN ('vi', 'en')),
        audience text NOT NULL CHECK (audience IN ('user', 'extra')),
        subject text NOT NULL,
        html text NOT NULL,
        text text NOT NULL,
        chart_png bytea,
        PRIMARY KEY (period_key, locale, audience)
      )`);
    await q.query(`
      CREATE TABLE digest_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_key text NOT NULL REFERENCES digest_runs(period_key) ON DELETE CASCADE,
        recipient text NOT NULL CHECK (recipient = lower(recipient)),
        email text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('user', 'extra')),
        user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        locale text NOT NULL CHECK (locale IN ('vi', 'en')),
        token text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        claim uuid,
        claimed_until timestamptz,
        error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (period_key, recipient)
      )`);
    await q.query(`CREATE INDEX digest_deliveries_sending_idx ON digest_deliveries (claimed_until) WHERE status = 'sending'`);
    await q.query(`CREATE INDEX digest_deliveries_user_idx ON digest_deliveries (user_id) WHERE user_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS digest_deliveries`);
    await q.query(`DROP TABLE IF EXISTS digest_contents`);
    await q.query(`DROP TABLE IF EXISTS digest_runs`);
    await q.query(`ALTER TABLE settings DROP COLUMN digest_skip_empty`);
    await q.query(`ALTER TABLE users ADD COLUMN digest_opt_out boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE users SET digest_opt_out = (digest_frequency = 'off')`);
    await q.query(`ALTER TABLE users DROP COLUMN digest_frequency`);
  }
}
