import { DomainError } from '../../src/domain-error';
import { createApiKey, revokeApiKey } from '../../src/modules/auth/api-keys.service';
import { changeRole, checkCredentials, createUser, deleteUser, setUpFirstAdmin } from '../../src/modules/auth/users.service';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The users and API-keys services refuse with DomainError (src/web/errors.ts turns it into a status),
// whoever calls them: the pages, the setup page or the command-line tools.

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.drop(); });

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

test('two simultaneous first-run setups create one admin', async () => {
  const setup = (email: string) => setUpFirstAdmin(database.db, { email, password: 'a long password', name: '', brand: email, locale: 'vi' });
  const results = await Promise.all([setup('a@example.com'), setup('b@example.com')]);
  expect(results.filter((u) => u !== null)).toHaveLength(1);
  const users = await database.db.query(`SELECT email, role FROM users`);
  expect(users).toEqual([{ email: results.find((u) => u)!.email, role: 'admin' }]);
  expect((await database.db.query(`SELECT brand FROM settings`))[0].brand).toBe(users[0].email);
  expect(await setup('c@example.com')).toBeNull();
});

test('createUser: an invalid user or a taken email is a DomainError with the field', async () => {
  const invalid = await refusal(createUser(database.db, { email: 'not an email', password: 'short', role: 'viewer' }));
  expect(invalid.kind).toBe('invalid');
  expect(invalid.options.details?.map((d) => d.path)).toEqual(['email', 'password']);
  await createUser(database.db, { email: 'Lan@Example.vn', password: 'a long password', role: 'viewer' });
  const taken = await refusal(createUser(database.db, { email: 'lan@example.VN', password: 'another password', role: 'editor' }));
  expect(taken.kind).toBe('conflict');
  expect(taken.options.details).toEqual([{ path: 'email', message: 'already exists' }]);
  expect(await checkCredentials(database.db, ' LAN@example.vn', 'a long password')).not.toBeNull();
});

test('changeRole and deleteUser keep an admin, refuse deleting oneself, and know unknown users', async () => {
  const [admin] = await database.db.query(`SELECT id FROM users WHERE role = 'admin'`);
  const viewer = await createUser(database.db, { email: 'minh@example.vn', password: 'a long password', role: 'viewer' });
  expect((await refusal(changeRole(database.db, admin.id, 'viewer'))).options.code).toBe('last_admin');
  expect((await refusal(deleteUser(database.db, viewer.id, viewer.id))).kind).toBe('wrong_state');
  expect((await refusal(deleteUser(database.db, admin.id, viewer.id))).options.code).toBe('last_admin');
  expect((await refusal(changeRole(database.db, '00000000-0000-4000-8000-000000000000', 'viewer'))).kind).toBe('not_found');
  await changeRole(database.db, viewer.id, 'admin');
  await deleteUser(database.db, admin.id, viewer.id);
  expect(await database.db.query(`SELECT email FROM users WHERE role = 'admin'`)).toEqual([{ email: 'minh@example.vn' }]);
});

test('revokeApiKey: an unknown key is not_found; revoking twice keeps the first time', async () => {
  expect((await refusal(revokeApiKey(database.db, '00000000-0000-4000-8000-000000000000'))).kind).toBe('not_found');
  const { apiKey } = await createApiKey(database.db, 'CRM');
  expect(await revokeApiKey(database.db, apiKey.id)).toEqual({ name: 'CRM' });
  const [first] = await database.db.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [apiKey.id]);
  await revokeApiKey(database.db, apiKey.id);
  expect(await database.db.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [apiKey.id])).toEqual([first]);
});
