import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journey analytics (issue 16: key drivers and at-risk contacts):
 * - settings: `driver_window_days` (a relationship NPS counts as a touchpoint answer's outcome when given
 *   within this many days after it) and `at_risk_follow_up_days` (an open detractor follow-up older than
 *   this puts its contact at risk).
 * - `key_driver_results`: the drivers job's output, one JSON document per (period, stage, window), read
 *   as is by the page and the API; `read_at` tells the nightly run which ones people still look at.
 * - `at_risk_contacts`: the contacts at risk now, with their reasons and the stages those come from.
 *   Statement triggers on responses and follow-ups put the contacts they touch in `at_risk_dirty`; the
 *   job re-evaluates only those (plus the ones whose reasons depend on the clock), so its cost follows
 *   the new answers, not the size of the table.
 */
export class AddJourneyAnalytics1763802700000 implements MigrationInterface {
  name = 'AddJourneyAnalytics1763802700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE settings ADD COLUMN driver_window_days integer NOT NULL DEFAULT 90 CHECK (driver_window_days BETWEEN 1 AND 365)`);
    await q.query(`ALTER TABLE settings ADD COLUMN at_risk_follow_up_days integer NOT NULL DEFAULT 7 CHECK (at_risk_follow_up_days BETWEEN 1 AND 365)`);

    await q.query(`
      CREATE TABLE key_driver_results (
        scope text PRIMARY KEY,
        from_day date NOT NULL,
        to_day date NOT NULL,
        stage_key text,
        window_days integer NOT NULL,
        result jsonb NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE at_risk_contacts (
        contact_id uuid PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
        reasons text[] NOT NULL,
        stage_ids integer[] NOT NULL,
        last_answer_at timestamptz NOT NULL,
        follow_up_id bigint,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX at_risk_contacts_order_idx ON at_risk_contacts (last_answer_at DESC, contact_id DESC)`);
    await q.query(`CREATE TABLE at_risk_dirty (contact_id uuid PRIMARY KEY)`);
    await q.query(`CREATE TABLE at_risk_state (id smallint PRIMARY KEY CHECK (id = 1), checked_at timestamptz, rebuilt_at timestamptz, follow_up_days integer)`);
    await q.query(`INSERT INTO at_risk_state (id) VALUES (1)`);

    await q.query(`
      CREATE FUNCTION at_risk_mark_responses() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO at_risk_dirty (contact_id) SELECT DISTINCT contact_id FROM new_rows WHERE contact_id IS NOT NULL ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          INSERT INTO at_risk_dirty (contact_id) SELECT DISTINCT contact_id FROM old_rows WHERE contact_id IS NOT NULL ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER responses_at_risk_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION at_risk_mark_responses()`);
    await q.query(`CREATE TRIGGER responses_at_risk_update AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION at_risk_mark_responses()`);
    await q.query(`CREATE TRIGGER responses_at_risk_delete AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION at_risk_mark_responses()`);

    await q.query(`
      CREATE FUNCTION at_risk_mark_follow_ups() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO at_risk_dirty (contact_id)
        SELECT DISTINCT r.contact_id FROM new_rows f JOIN responses r ON r.id = f.response_id
        WHERE r.contact_id IS NOT NULL ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER follow_ups_at_risk_insert AFTER INSERT ON follow_ups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION at_risk_mark_follow_ups()`);
    await q.query(`CREATE TRIGGER follow_ups_at_risk_update AFTER UPDATE ON follow_ups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION at_risk_mark_follow_ups()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_at_risk_update ON follow_ups`);
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_at_risk_insert ON follow_ups`);
    await q.query(`DROP FUNCTION IF EXISTS at_risk_mark_follow_ups()`);
    await q.query(`DROP TRIGGER IF EXISTS responses_at_risk_delete ON responses`);
    await q.query(`DROP TRIGGER IF EXISTS responses_at_risk_update ON responses`);
    await q.query(`DROP TRIGGER IF EXISTS responses_at_risk_insert ON responses`);
    await q.query(`DROP FUNCTION IF EXISTS at_risk_mark_responses()`);
    await q.query(`DROP TABLE IF EXISTS at_risk_state`);
    await q.query(`DROP TABLE IF EXISTS at_risk_dirty`);
    await q.query(`DROP TABLE IF EXISTS at_risk_contacts`);
    await q.query(`DROP TABLE IF EXISTS key_driver_results`);
    await q.query(`ALTER TABLE settings DROP COLUMN IF EXISTS at_risk_follow_up_days`);
    await q.query(`ALTER TABLE settings DROP COLUMN IF EXISTS driver_window_days`);
  }
}
