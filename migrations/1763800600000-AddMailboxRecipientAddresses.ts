import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The built-in mailbox keeps each message's recipients as shown (`Name <address>, …`). Erasing a contact
 * must drop the copies sent to that address and nobody else's, which a text search cannot tell apart from
 * a longer address (`sectest1@…` contains `ectest1@…`) or a display name. The addresses are now stored
 * apart, lower-cased, when the message is stored, and erasure matches them exactly through a GIN index.
 *
 * Messages stored before this migration get theirs from the displayed text: the `<address>` of each
 * `Name <address>` part, and bare parts only when the text holds no `<` at all (a display name may
 * contain commas, so in a named list a bare-looking part can be a piece of a name).
 */
export class AddMailboxRecipientAddresses1763800600000 implements MigrationInterface {
  name = 'AddMailboxRecipientAddresses1763800600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox_messages ADD COLUMN recipient_addresses text[]`);
    await q.query(`
      UPDATE mailbox_messages m SET recipient_addresses = coalesce((
        SELECT array_agg(DISTINCT lower(x.address)) FROM (
          SELECT CASE
                   WHEN part ~ '<[^<>]+>\\s*$' THEN substring(part FROM '<([^<>]+)>\\s*$')
                   WHEN position('<' IN m.recipients) = 0 AND btrim(part) ~ '^[^\\s@]+@[^\\s@]+$' THEN btrim(part)
                 END AS address
          FROM regexp_split_to_table(m.recipients, ',') AS part
        ) x WHERE x.address IS NOT NULL), '{}')`);
    await q.query(`ALTER TABLE mailbox_messages ALTER COLUMN recipient_addresses SET NOT NULL`);
    await q.query(`CREATE INDEX mailbox_messages_recipient_addresses_idx ON mailbox_messages USING gin (recipient_addresses)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS mailbox_messages_recipient_addresses_idx`);
    await q.query(`ALTER TABLE mailbox_messages DROP COLUMN IF EXISTS recipient_addresses`);
  }
}
