import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closing the loop (SPEC §6 alerts, §7 webhooks).
 * - `event_outbox`: what happened to answers and follow-ups, written by statement-level triggers in the
 *   writer's own transaction, whatever code path wrote (public pages, API, imports, the dashboard). One
 *   multi-row INSERT per statement, ids and the event type only: the dispatcher reads the details later,
 *   so the answer path never waits for alerts or webhooks. `old_score` lets the dispatcher tell a new
 *   detractor from a detractor that changed its score; `user_id` is the new assignee of a follow-up.
 * - `alert_items`: one pending notice per (recipient, event); grouped into `alert_emails` (one email per
 *   recipient every few minutes at most).
 * - `webhooks` and `webhook_deliveries`: the secret is kept (signing needs it) and shown once; each
 *   delivery keeps the exact body it signs, so every retry sends the same bytes with the same event id.
 * - `settings.alert_recipients`: where alerts go when a touchpoint has no owner; `users.alert_emails`:
 *   each user's switch.
 */
export class AddClosedLoop1763802200000 implements MigrationInterface {
  name = 'AddClosedLoop1763802200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE settings ADD COLUMN alert_recipients text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE users ADD COLUMN alert_emails boolean NOT NULL DEFAULT true`);

    await q.query(`
      CREATE TABLE event_outbox (
        id bigserial PRIMARY KEY,
        type text NOT NULL,
        response_id bigint,
        follow_up_id bigint,
        old_score smallint,
        user_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE FUNCTION event_outbox_responses_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO event_outbox (type, response_id) SELECT 'response.created', id FROM new_rows;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION event_outbox_responses_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO event_outbox (type, response_id, old_score)
        SELECT 'response.updated', n.id, o.score FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.score IS DISTINCT FROM o.score OR n.comment IS DISTINCT FROM o.comment;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION event_outbox_follow_ups_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO event_outbox (type, follow_up_id, response_id, user_id)
        SELECT 'followup.created', id, response_id, NULL FROM new_rows
        UNION ALL
        SELECT 'followup.assigned', id, response_id, assignee_user_id FROM new_rows WHERE assignee_user_id IS NOT NULL;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION event_outbox_follow_ups_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO event_outbox (type, follow_up_id, response_id, user_id)
        SELECT 'followup.closed', n.id, n.response_id, NULL FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'closed' AND o.status IS DISTINCT FROM 'closed'
        UNION ALL
        SELECT 'followup.assigned', n.id, n.response_id, n.assignee_user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.assignee_user_id IS NOT NULL AND n.assignee_user_id IS DISTINCT FROM o.assignee_user_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER responses_outbox_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_responses_insert()`);
    await q.query(`CREATE TRIGGER responses_outbox_update AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_responses_update()`);
    await q.query(`CREATE TRIGGER follow_ups_outbox_insert AFTER INSERT ON follow_ups REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_follow_ups_insert()`);
    await q.query(`CREATE TRIGGER follow_ups_outbox_update AFTER UPDATE ON follow_ups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_follow_ups_update()`);

    await q.query(`
      CREATE TABLE alert_emails (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recipient text NOT NULL,
        locale text NOT NULL CHECK (locale IN ('vi', 'en')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX alert_emails_recipient_idx ON alert_emails (lower(recipient), created_at DESC)`);
    await q.query(`
      CREATE TABLE alert_items (
        id bigserial PRIMARY KEY,
        recipient text NOT NULL,
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        locale text NOT NULL CHECK (locale IN ('vi', 'en')),
        kind text NOT NULL CHECK (kind IN ('detractor', 'assigned')),
        response_id bigint NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        email_id uuid REFERENCES alert_emails(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alert_items_pending_idx ON alert_items (lower(recipient), created_at) WHERE email_id IS NULL`);
    await q.query(`CREATE INDEX alert_items_email_idx ON alert_items (email_id)`);
    // One notice of a kind per answer and recipient, however many events said it (created, then updated).
    await q.query(`CREATE UNIQUE INDEX alert_items_once_key ON alert_items (response_id, lower(recipient), kind)`);

    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL,
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        failing_since timestamptz,
        disabled_at timestamptz,
        disabled_reason text,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id text NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed', 'cancelled')),
        attempts integer NOT NULL DEFAULT 0,
        response_code integer,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        UNIQUE (webhook_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (webhook_id, created_at DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS webhooks`);
    await q.query(`DROP TABLE IF EXISTS alert_items`);
    await q.query(`DROP TABLE IF EXISTS alert_emails`);
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_outbox_update ON follow_ups`);
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_outbox_insert ON follow_ups`);
    await q.query(`DROP TRIGGER IF EXISTS responses_outbox_update ON responses`);
    await q.query(`DROP TRIGGER IF EXISTS responses_outbox_insert ON responses`);
    await q.query(`DROP FUNCTION IF EXISTS event_outbox_follow_ups_update()`);
    await q.query(`DROP FUNCTION IF EXISTS event_outbox_follow_ups_insert()`);
    await q.query(`DROP FUNCTION IF EXISTS event_outbox_responses_update()`);
    await q.query(`DROP FUNCTION IF EXISTS event_outbox_responses_insert()`);
    await q.query(`DROP TABLE IF EXISTS event_outbox`);
    await q.query(`ALTER TABLE users DROP COLUMN IF EXISTS alert_emails`);
    await q.query(`ALTER TABLE settings DROP COLUMN IF EXISTS alert_recipients`);
  }
}
