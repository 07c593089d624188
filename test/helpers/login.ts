import request from 'supertest';
import type { Role } from '../../src/modules/auth';
import type { TestApp } from './app';
import { makeUser, TEST_PASSWORD } from './factories';

export type Agent = ReturnType<typeof request.agent>;

/** The hidden _csrf value of the first form on a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1];
}

/**
 * A Supertest agent logged in as a new user of the role, through the real login form. `agent.csrf`
 * is a valid token of its session for POSTs.
 */
export async function loginAs(t: TestApp, role: Role, opts: { locale?: 'vi' | 'en'; email?: string } = {}): Promise<Agent & { csrf: string; email: string }> {
  const email = await makeUser(t, role, { email: opts.email, locale: opts.locale ?? 'en' });
  const agent = request.agent(t.app);
  const page = await agent.get('/login');
  const csrf = csrfFrom(page.text);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, email, password: TEST_PASSWORD });
  if (res.status !== 303) throw new Error(`login as ${role} failed with ${res.status}`);
  // The session was regenerated at login: fetch a token that belongs to the new one.
  return Object.assign(agent, { csrf: await freshToken(agent), email });
}

/** A CSRF token of the agent's current session (every auth page carries the language form). */
export async function freshToken(agent: Agent): Promise<string> {
  return csrfFrom((await agent.get('/setup')).text);
}
