import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeUser, TEST_PASSWORD } from '../helpers/factories';
import { csrfFrom } from '../helpers/login';

/**
 * The login limiter counts failures per address and account, where the account is the one the credential
 * check looks up: the email trimmed, in Unicode NFC and lower-cased. Spelling the email another way never
 * buys fresh attempts (the probe logged in with "editor@shop.test  " after ten failures).
 */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

async function loginForm() {
  const agent = request.agent(t.app);
  const csrf = csrfFrom((await agent.get('/login')).text);
  return (email: string, password: string) => agent.post('/login').type('form').send({ _csrf: csrf, email, password });
}

async function failTenTimes(email: string) {
  const post = await loginForm();
  for (let i = 0; i < 10; i++) expect((await post(email, `wrong guess ${i}`)).status).toBe(401);
}

test('after ten failures, trailing spaces, a leading tab or capitals still get 429, even with the right password', async () => {
  await makeUser(t, 'editor', { email: 'editor@shop.test' });
  await failTenTimes('editor@shop.test');
  const post = await loginForm();
  for (const spelling of ['editor@shop.test  ', '\teditor@shop.test', ' EDITOR@Shop.Test\t', 'editor@shop.test\u00a0', 'editor@shop.test']) {
    const res = await post(spelling, TEST_PASSWORD);
    expect({ spelling, status: res.status }).toEqual({ spelling, status: 429 });
    expect(res.headers.location).toBeUndefined();
  }
});

test('failures under different spellings of one account count together', async () => {
  await makeUser(t, 'viewer', { email: 'mixed@shop.test' });
  const post = await loginForm();
  const spellings = ['mixed@shop.test  ', '\tmixed@shop.test', 'MIXED@shop.test', 'mixed@SHOP.test '];
  for (let i = 0; i < 10; i++) expect((await post(spellings[i % spellings.length], `wrong ${i}`)).status).toBe(401);
  expect((await post('mixed@shop.test', TEST_PASSWORD)).status).toBe(429);
});

test('a decomposed accent (NFD) names the same account as the composed one (NFC), for the check and the limiter', async () => {
  const composed = 'ren\u00e9@shop.test';
  const decomposed = 'rene\u0301@shop.test';
  await makeUser(t, 'viewer', { email: composed });
  const post = await loginForm();
  // The credential check finds the account under either spelling...
  expect((await post(decomposed, TEST_PASSWORD)).status).toBe(303);
  // ...so the limiter counts them as one.
  await failTenTimes(composed);
  expect((await (await loginForm())(decomposed, TEST_PASSWORD)).status).toBe(429);
});

test('another account from the same address is not limited by them', async () => {
  await makeUser(t, 'viewer', { email: 'untouched@shop.test' });
  await failTenTimes('someone-else@shop.test');
  expect((await (await loginForm())('untouched@shop.test ', TEST_PASSWORD)).status).toBe(303);
});
