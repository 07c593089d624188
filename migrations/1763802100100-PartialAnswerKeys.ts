import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexes of `responses`, reviewed (README, "Indexes of responses"): all six serve a page or a query,
 * but the two unique keys indexed every answer, also the many that have no invitation (link, QR, API) or no
 * one-time key (email, API): a NULL entry per answer that no lookup ever reads. As partial unique indexes
 * they hold only the answers that have the key, so a link answer writes one index entry fewer, and so does
 * an invitation answer. Uniqueness is unchanged (NULLs never conflicted).
 */
export class PartialAnswerKeys1763802100100 implements MigrationInterface {
  name = 'PartialAnswerKeys1763802100100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX responses_invitation_key ON responses (invitation_id) WHERE invitation_id IS NOT NULL`);
    await q.query(`ALTER TABLE responses DROP CONSTRAINT responses_invitation_id_key`);
    await q.query(`CREATE UNIQUE INDEX responses_submission_key ON responses (submission_key) WHERE submission_key IS NOT NULL`);
    await q.query(`ALTER TABLE responses DROP CONSTRAINT responses_submission_key_key`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE responses ADD CONSTRAINT responses_submission_key_key UNIQUE (submission_key)`);
    await q.query(`DROP INDEX responses_submission_key`);
    await q.query(`ALTER TABLE responses ADD CONSTRAINT responses_invitation_id_key UNIQUE (invitation_id)`);
    await q.query(`DROP INDEX responses_invitation_key`);
  }
}
