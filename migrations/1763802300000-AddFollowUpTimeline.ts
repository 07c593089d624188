import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-ups (issue 15, item 7):
 * - `follow_up_events`: the timeline of every change, who, when and what. A row per opening, status
 *   change, assignment and note; `actor_name` keeps the name as it was (a deleted user's changes still
 *   read "by Lan"). Notes written before this migration stay in `follow_ups.notes` and are shown as
 *   earlier notes above the timeline.
 * - A new follow-up without an assignee goes to its touchpoint's owner when the owner can work on it
 *   (editor or admin). This is done in the database, BEFORE INSERT, so that every writer (the answer
 *   write path, the demo seed, an import) gets the same rule without calling anything.
 * - AFTER INSERT writes the "opened" event, with the assignee the follow-up started with.
 */
export class AddFollowUpTimeline1763802300000 implements MigrationInterface {
  name = 'AddFollowUpTimeline1763802300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE follow_up_events (
        id bigserial PRIMARY KEY,
        follow_up_id bigint NOT NULL REFERENCES follow_ups(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        kind text NOT NULL CHECK (kind IN ('opened', 'status', 'assigned', 'note')),
        actor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        actor_name text,
        status text CHECK (status IN ('open', 'in_progress', 'closed')),
        assignee_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        assignee_name text,
        note text
      )`);
    await q.query(`CREATE INDEX follow_up_events_item_idx ON follow_up_events (follow_up_id, at, id)`);

    await q.query(`
      CREATE FUNCTION follow_up_assign_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.assignee_user_id IS NULL THEN
          SELECT t.owner_user_id INTO NEW.assignee_user_id
          FROM responses r JOIN surveys s ON s.id = r.survey_id JOIN touchpoints t ON t.id = s.touchpoint_id
          JOIN users u ON u.id = t.owner_user_id AND u.role IN ('admin', 'editor')
          WHERE r.id = NEW.response_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER follow_ups_assign_owner BEFORE INSERT ON follow_ups FOR EACH ROW EXECUTE FUNCTION follow_up_assign_owner()`);

    await q.query(`
      CREATE FUNCTION follow_up_opened_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO follow_up_events (follow_up_id, at, kind, status, assignee_user_id, assignee_name)
        SELECT NEW.id, NEW.created_at, 'opened', NEW.status, NEW.assignee_user_id, nullif(u.name, '')
        FROM (SELECT 1) one LEFT JOIN users u ON u.id = NEW.assignee_user_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER follow_ups_opened_event AFTER INSERT ON follow_ups FOR EACH ROW EXECUTE FUNCTION follow_up_opened_event()`);

    // Follow-ups that already exist get their opening too, so every timeline starts at the beginning.
    await q.query(`
      INSERT INTO follow_up_events (follow_up_id, at, kind, status)
      SELECT id, created_at, 'opened', 'open' FROM follow_ups`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_opened_event ON follow_ups`);
    await q.query(`DROP FUNCTION IF EXISTS follow_up_opened_event()`);
    await q.query(`DROP TRIGGER IF EXISTS follow_ups_assign_owner ON follow_ups`);
    await q.query(`DROP FUNCTION IF EXISTS follow_up_assign_owner()`);
    await q.query(`DROP TABLE IF EXISTS follow_up_events`);
  }
}
