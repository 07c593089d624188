import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which answers mention which team topic (SPEC §6), so that the responses page and its CSV export filter
 * and label by topic without matching every comment again: one row per (answer, topic) match, written by
 * the same matcher that counts topics (`touchpoint_fold(comment) ~ topics.pattern`) in the
 * `comment-themes` job, a topic's first count and the bulk rebuild. An answer's rows are replaced whenever
 * its comment changes (the job's log), and go with the answer or the topic.
 */
export class AddTopicResponses1763802600000 implements MigrationInterface {
  name = 'AddTopicResponses1763802600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE topic_responses (
        response_id bigint NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
        topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (response_id, topic_id)
      )`);
    // The filter walks one topic's answers newest first, as the responses list pages them.
    await q.query(`CREATE INDEX topic_responses_topic ON topic_responses (topic_id, created_at DESC, response_id DESC)`);
    // Topics already counted: their matches as the answers are now (changes still logged are replayed by the job).
    await q.query(`
      INSERT INTO topic_responses (response_id, topic_id, created_at)
      SELECT r.id, t.id, r.created_at FROM responses r JOIN topics t ON t.counted AND touchpoint_fold(r.comment) ~ t.pattern
      WHERE r.comment IS NOT NULL AND btrim(r.comment) <> ''`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS topic_responses`);
  }
}
