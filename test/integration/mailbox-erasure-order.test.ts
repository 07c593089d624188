import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { storeInMailbox } from '../../src/mail/mailbox';
import { migrations } from '../../migrations';

/**
 * The built-in mailbox: erasing a contact deletes the copies of the emails sent to that very address and
 * nobody else's (SPEC §9), and the list is ordered by the numeric id, so message 1000 and later are listed.
 */

type User = Agent & { csrf: string; email: string };

let t: TestApp;
let editor: User;
let admin: User;

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor', { locale: 'en' });
  admin = await loginAs(t, 'admin', { locale: 'en' });
});
afterAll(async () => {
  await t.close();
});

/** A message as the mailer composes it (nodemailer's JSON form), stored through the mailbox transport. */
async function mailTo(messageId: string, to: Array<{ name?: string; address: string }>) {
  await storeInMailbox(t.db, { from: { name: 'Touchpoint', address: 'no-reply@localhost' }, to, subject: `Invitation ${messageId}`, text: 'hello' }, messageId);
}

const kept = async () => (await t.db.query(`SELECT message_id FROM mailbox_messages ORDER BY message_id`)).map((r: { message_id: string }) => r.message_id);

describe('erasing a contact and the built-in mailbox', () => {
  beforeEach(async () => {
    await t.db.query(`DELETE FROM mailbox_messages`);
  });

  test('only the emails to the erased address go: not a longer address containing it, not a display name mentioning it', async () => {
    const erased = await makeContact(t, 'ectest1@example.test');
    await makeContact(t, 'sectest1@example.test');
    await mailTo('<to-erased@x>', [{ name: 'Erased Person', address: 'ECTest1@Example.test' }]);
    await mailTo('<to-longer@x>', [{ name: 'Someone Else', address: 'sectest1@example.test' }]);
    await mailTo('<bare-longer@x>', [{ address: 'sectest1@example.test' }]);
    await mailTo('<name-mentions@x>', [{ name: 'ectest1@example.test', address: 'other@example.test' }]);
    await mailTo('<name-with-comma@x>', [{ name: 'ectest1@example.test, Bob', address: 'bob@example.test' }]);
    await mailTo('<prefix-longer@x>', [{ address: 'ectest1@example.test.evil' }]);

    const res = await editor.post(`/manage/contacts/${erased}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(await kept()).toEqual(['<bare-longer@x>', '<name-mentions@x>', '<name-with-comma@x>', '<prefix-longer@x>', '<to-longer@x>']);
  });

  test('a message to several people, the erased one among them, goes', async () => {
    const erased = await makeContact(t, 'group.member@example.test');
    await mailTo('<group@x>', [{ address: 'first@example.test' }, { name: 'Member', address: 'group.member@example.test' }]);
    await mailTo('<other@x>', [{ address: 'first@example.test' }]);
    await editor.post(`/manage/contacts/${erased}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' }).expect(303);
    expect(await kept()).toEqual(['<other@x>']);
  });

  test('messages stored before the addresses were kept apart get theirs from the displayed recipients', async () => {
    const migration = migrations.find((m) => m.name === 'AddMailboxRecipientAddresses1763800600000');
    if (!migration) throw new Error('migration not listed');
    const runner = t.db.createQueryRunner();
    try {
      await new migration().down(runner);
      await t.db.query(`INSERT INTO mailbox_messages (message_id, sender, recipients, subject) VALUES
        ('<old-named@x>', 'Touchpoint <no-reply@localhost>', 'Erased <ECtest1@example.test>', 'x'),
        ('<old-bare@x>', 'Touchpoint <no-reply@localhost>', 'sectest1@example.test', 'x'),
        ('<old-name-mentions@x>', 'Touchpoint <no-reply@localhost>', 'ectest1@example.test, Bob <bob@example.test>', 'x'),
        ('<old-list@x>', 'Touchpoint <no-reply@localhost>', 'a@example.test, B@example.test', 'x')`);
      await new migration().up(runner);
    } finally {
      await runner.release();
    }
    const rows = await t.db.query(`SELECT message_id, recipient_addresses FROM mailbox_messages ORDER BY message_id`);
    expect(rows).toEqual([
      { message_id: '<old-bare@x>', recipient_addresses: ['sectest1@example.test'] },
      { message_id: '<old-list@x>', recipient_addresses: ['a@example.test', 'b@example.test'] },
      { message_id: '<old-name-mentions@x>', recipient_addresses: ['bob@example.test'] },
      { message_id: '<old-named@x>', recipient_addresses: ['ectest1@example.test'] },
    ]);
  });
});

describe('the mailbox list', () => {
  test('is ordered by numeric id, newest first: messages 999, 1000 and 1001 are all listed, in that order from the top', async () => {
    await t.db.query(`DELETE FROM mailbox_messages`);
    await t.db.query(`SELECT setval('mailbox_messages_id_seq', 990, false)`);
    for (let i = 0; i < 12; i++) await mailTo(`<n${i}@x>`, [{ address: `reader${i}@example.test` }]);
    const [{ max }] = await t.db.query(`SELECT max(id)::text AS max FROM mailbox_messages`);
    expect(max).toBe('1001');

    const list = await admin.get('/manage/mailbox');
    expect(list.status).toBe(200);
    const ids = [...list.text.matchAll(/href="\/manage\/mailbox\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => 1001 - i));
  });

  test('pages older messages by numeric id across the 999/1000 boundary', async () => {
    await t.db.query(`DELETE FROM mailbox_messages`);
    await t.db.query(`SELECT setval('mailbox_messages_id_seq', 960, false)`);
    for (let i = 0; i < 60; i++) await mailTo(`<p${i}@x>`, [{ address: `pager${i}@example.test` }]);
    const first = await admin.get('/manage/mailbox');
    const firstIds = [...first.text.matchAll(/href="\/manage\/mailbox\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(firstIds).toEqual(Array.from({ length: 50 }, (_, i) => 1019 - i));
    const older = /href="\/manage\/mailbox\?before(?:=|&#x3D;)(\d+)"/.exec(first.text);
    expect(older?.[1]).toBe('970');
    const second = await admin.get(`/manage/mailbox?before=${older![1]}`);
    const secondIds = [...second.text.matchAll(/href="\/manage\/mailbox\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(secondIds).toEqual(Array.from({ length: 10 }, (_, i) => 969 - i));
  });

  test('needs an admin', async () => {
    expect((await editor.get('/manage/mailbox')).status).toBe(403);
    expect((await request(t.app).get('/manage/mailbox')).status).toBe(303);
  });
});
