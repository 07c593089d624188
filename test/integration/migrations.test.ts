import type { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { runMigrations } from '../../src/db/data-source';
import { verifyRollups } from '../../src/modules/metrics/rollup';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * Every migration's `down` undoes its `up`: on a database of its own (cloned from the migrated template,
 * through the app's DataSource), revert them all, last first, until none is left; the schema is then
 * empty of the app's objects. Run every `up` again: the schema is the same as before, down to indexes,
 * constraints, triggers and functions, and it works.
 */

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.drop(); });

const names = migrations.map((m) => m.name);

const executed = async (db: DataSource): Promise<string[]> =>
  (await db.query(`SELECT name FROM migrations ORDER BY timestamp`)).map((r: { name: string }) => r.name);

/** The app's objects in the public schema (not the migrations table, not what extensions own). */
async function schema(db: DataSource) {
  const q = async (sql: string) => (await db.query(sql)).map((r: { d: string }) => r.d);
  const notFromAnExtension = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;
  return {
    tables: await q(`SELECT c.relname AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'migrations' ORDER BY 1`),
    columns: await q(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS d
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name, ordinal_position`),
    indexes: await q(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY indexname`),
    constraints: await q(`SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS d FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' AND c.conrelid <> 'migrations'::regclass ORDER BY 1`),
    triggers: await q(`SELECT pg_get_triggerdef(t.oid) AS d FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 1`),
    functions: await q(`SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS d FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND ${notFromAnExtension('p.oid')} ORDER BY 1`),
    views: await q(`SELECT c.relname AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND ${notFromAnExtension('c.oid')} ORDER BY 1`),
    sequences: await q(`SELECT c.relname AS d FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relname NOT LIKE 'migrations%' ORDER BY 1`),
    types: await q(`SELECT t.typname AS d FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0 AND ${notFromAnExtension('t.oid')} ORDER BY 1`),
  };
}

test('every migration reverts, last first, to an empty schema, and migrating again rebuilds the same working schema', async () => {
  const db = database.db;
  expect(await executed(db)).toEqual(names);
  const migrated = await schema(db);
  expect(migrated.tables).toEqual(expect.arrayContaining(['settings', 'stages', 'touchpoints', 'surveys', 'responses', 'contacts', 'invitations']));

  const reverted: string[] = [];
  for (let left = await executed(db); left.length > 0; left = await executed(db)) {
    const last = left[left.length - 1];
    try {
      await db.undoLastMigration({ transaction: 'each' });
    } catch (err) {
      throw new Error(`the down of ${last} fails (after ${reverted.length} reverted): ${err instanceof Error ? err.message : String(err)}`);
    }
    expect(await executed(db)).toEqual(left.slice(0, -1));
    reverted.push(last);
  }
  expect(reverted).toEqual([...names].reverse());
  expect(await schema(db)).toEqual({ tables: [], columns: [], indexes: [], constraints: [], triggers: [], functions: [], views: [], sequences: [], types: [] });

  expect(await runMigrations(db)).toEqual(names);
  expect(await schema(db)).toEqual(migrated);

  // It works: the seeded rows are back, and a survey, a contact, an invitation and an answer can be stored and read.
  expect((await db.query(`SELECT key FROM stages ORDER BY position`)).map((r: { key: string }) => r.key))
    .toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
  expect(await db.query(`SELECT count(*)::int AS n FROM settings`)).toEqual([{ n: 1 }]);
  const [survey] = await db.query(`INSERT INTO surveys (kind, title) VALUES ('nps', 'Round trip') RETURNING id`);
  const [contact] = await db.query(`INSERT INTO contacts (email) VALUES ('round.trip@example.com') RETURNING id`);
  const [invitation] = await db.query(`INSERT INTO invitations (survey_id, contact_id, token, status) VALUES ($1, $2, 'round-trip-token-000001', 'sending') RETURNING id`,
    [survey.id, contact.id]);
  await db.query(`INSERT INTO responses (survey_id, score, channel, locale, invitation_id, contact_id) VALUES ($1, 9, 'email', 'vi', $2, $3)`,
    [survey.id, invitation.id, contact.id]);
  expect(await db.query(`SELECT s.title, r.score, c.email, i.status FROM responses r JOIN surveys s ON s.id = r.survey_id
    JOIN contacts c ON c.id = r.contact_id JOIN invitations i ON i.id = r.invitation_id`))
    .toEqual([{ title: 'Round trip', score: 9, email: 'round.trip@example.com', status: 'sending' }]);
  // The rollup triggers are back too: the answer is counted.
  const report = await verifyRollups(db);
  expect(report.disabledTriggers).toEqual([]);
  expect(report.differences).toEqual([]);
  expect(Number((await db.query(`SELECT sum(n) AS n FROM response_rollup_delta WHERE survey_id = $1`, [survey.id]))[0].n)).toBe(1);
});
