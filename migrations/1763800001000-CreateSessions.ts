import { MigrationInterface, QueryRunner } from 'typeorm';

/** Dashboard sessions live in PostgreSQL (connect-pg-simple's table), so app instances stay stateless. */
export class CreateSessions1763800001000 implements MigrationInterface {
  name = 'CreateSessions1763800001000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE session (
        sid varchar NOT NULL PRIMARY KEY,
        sess json NOT NULL,
        expire timestamp(6) NOT NULL
      )`);
    await q.query(`CREATE INDEX session_expire_idx ON session (expire)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS session`);
  }
}
