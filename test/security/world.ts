import crypto from 'node:crypto';
import request from 'supertest';
import type { TestApp } from '../helpers/app';
import { answer, makeContact, makeInvitedContact, makeSurvey, makeTouchpoint, TEST_PASSWORD } from '../helpers/factories';
import { csrfFrom, loginAs, type Agent } from '../helpers/login';
import { hashPassword } from '../../src/modules/auth/users.service';
import { createApiKey } from '../../src/modules/auth/api-keys.service';
import { sendInvitations } from '../../src/modules/invitations/send.service';
import { storeInMailbox } from '../../src/mail/mailbox';
import { encodeCursor } from '../../src/web/params';

export type LoggedInRole = 'viewer' | 'editor' | 'admin';
export type LoggedIn = Agent & { csrf: string; email: string };

const CURSOR_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The real things the routes' parameters and forms point at, made on first use (each test file has its
 * own database): a survey with answers and a follow-up, contacts, invitations, a mailbox message, an
 * import, a batch. `fresh*` makes a new one for a route that deletes or uses up what it is given. Every
 * write marks the world dirty, so the harness takes a new "before" snapshot of the tables.
 */
export class World {
  dirty = true;
  private seq = 0;
  private memo = new Map<string, Promise<unknown>>();
  private agents = new Map<LoggedInRole, Promise<LoggedIn>>();
  private passwordHash: Promise<string> | null = null;

  constructor(readonly t: TestApp) {}

  /** A key, email or title no other request of the run uses (lowercase, a slug). */
  uniq(prefix: string): string {
    return `${prefix}-${++this.seq}`;
  }

  email(prefix = 'sec'): string {
    return `${this.uniq(prefix)}@example.com`;
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) {
      this.dirty = true;
      this.memo.set(key, make());
    }
    return this.memo.get(key) as Promise<T>;
  }

  private async made<T>(make: () => Promise<T>): Promise<T> {
    this.dirty = true;
    return make();
  }

  agent(role: LoggedInRole): Promise<LoggedIn> {
    if (!this.agents.has(role)) {
      this.dirty = true;
      this.agents.set(role, loginAs(this.t, role, { locale: 'en' }));
    }
    return this.agents.get(role)!;
  }

  async userId(role: LoggedInRole): Promise<string> {
    const { email } = await this.agent(role);
    return (await this.t.db.query(`SELECT id FROM users WHERE email = $1`, [email]))[0].id;
  }

  /** A user inserted with the test password's hash (hashed once: argon2 is slow on purpose). */
  private async insertUser(role: LoggedInRole, email: string): Promise<string> {
    this.passwordHash ??= hashPassword(TEST_PASSWORD);
    const [{ id }] = await this.t.db.query(
      `INSERT INTO users (email, name, password_hash, role, locale) VALUES ($1, 'Sec User', $2, $3, 'en') RETURNING id`,
      [email, await this.passwordHash, role]);
    return id;
  }

  /** A new account to log in as (the test password), so failed attempts never share a limiter key. */
  loginTarget(): Promise<string> {
    return this.made(async () => {
      const email = this.email('login');
      await this.insertUser('viewer', email);
      return email;
    });
  }

  /** A colleague whose role the suite changes. */
  user(): Promise<string> {
    return this.once('user', () => this.insertUser('viewer', this.email('colleague')));
  }

  freshUser(): Promise<string> {
    return this.made(() => this.insertUser('viewer', this.email('leaver')));
  }

  ownerEmail(): Promise<string> {
    return this.once('owner', async () => {
      const email = this.email('owner');
      await this.insertUser('editor', email);
      return email;
    });
  }

  freshApiKey(): Promise<string> {
    return this.made(async () => (await createApiKey(this.t.db, this.uniq('key'))).apiKey.id);
  }

  // ── Journey ──────────────────────────────────────────────────────────────────────────────────────

  private async stageId(key: string): Promise<string> {
    return String((await this.t.db.query(`SELECT id FROM stages WHERE key = $1`, [key]))[0].id);
  }

  private async newStage(): Promise<string> {
    const key = this.uniq('stage');
    const res = await request(this.t.app).post('/api/v1/stages').set('Authorization', `Bearer ${this.t.apiKey}`)
      .send({ key, name: { vi: `Giai đoạn ${key}`, en: `Stage ${key}` } });
    if (res.status !== 201) throw new Error(`could not create a stage: ${res.status} ${res.text}`);
    return this.stageId(key);
  }

  /** A stage the suite renames and moves. */
  stage(): Promise<string> {
    return this.once('stage', () => this.newStage());
  }

  freshStage(): Promise<string> {
    return this.made(() => this.newStage());
  }

  private async touchpointIdOf(key: string): Promise<string> {
    return String((await this.t.db.query(`SELECT id FROM touchpoints WHERE key = $1`, [key]))[0].id);
  }

  /** The key of the touchpoint of the main survey (its pages show the survey's answers). */
  async touchpointKey(): Promise<string> {
    await this.survey();
    return 'sec-checkout';
  }

  /** A touchpoint the suite edits (its key may change, so it is not the main survey's). */
  touchpoint(): Promise<string> {
    return this.once('touchpoint', async () => this.touchpointIdOf((await makeTouchpoint(this.t, { key: this.uniq('edited-tp') })).key));
  }

  freshTouchpoint(): Promise<string> {
    return this.made(async () => this.touchpointIdOf((await makeTouchpoint(this.t, { key: this.uniq('doomed-tp') })).key));
  }

  // ── Surveys, answers, follow-ups ────────────────────────────────────────────────────────────────

  /** The main survey: active NPS on a touchpoint, with answers (a detractor with a contact opens a follow-up). */
  survey(): Promise<string> {
    return this.once('survey', async () => {
      const survey = await makeSurvey(this.t, { kind: 'nps', title: 'Checkout NPS', touchpoint: { key: 'sec-checkout', stageKey: 'decision' } });
      await answer(this.t, survey.id, { score: 2, comment: 'Slow delivery', email: 'detractor@example.com' });
      await answer(this.t, survey.id, { score: 9, comment: 'Great' });
      await answer(this.t, survey.id, { score: 7 });
      await this.t.db.query(`UPDATE contacts SET attributes = '{"segment": "vip"}' WHERE email = 'detractor@example.com'`);
      return survey.id;
    });
  }

  /** A survey the suite edits (its status may change). */
  editableSurvey(): Promise<string> {
    return this.once('editableSurvey', async () => (await makeSurvey(this.t, { kind: 'csat', title: 'Editable CSAT', touchpoint: {} })).id);
  }

  /** A survey the suite sends. */
  sendSurvey(): Promise<string> {
    return this.once('sendSurvey', async () => (await makeSurvey(this.t, { kind: 'nps', title: 'Sent NPS' })).id);
  }

  followUp(): Promise<string> {
    return this.once('followUp', async () => {
      const survey = await this.survey();
      return String((await this.t.db.query(
        `SELECT f.id FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE r.survey_id = $1 ORDER BY f.id LIMIT 1`, [survey]))[0].id);
    });
  }

  async responseCursor(): Promise<string> {
    const survey = await this.survey();
    const [row] = await this.t.db.query(`SELECT id::text AS id, ${CURSOR_AT} AS at FROM responses WHERE survey_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [survey]);
    return encodeCursor(row);
  }

  async followUpCursor(): Promise<string> {
    const id = await this.followUp();
    const [row] = await this.t.db.query(`SELECT id::text AS id, ${CURSOR_AT} AS at FROM follow_ups WHERE id = $1`, [id]);
    return encodeCursor(row);
  }

  async contactCursor(): Promise<string> {
    const id = await this.contact();
    const [row] = await this.t.db.query(`SELECT id::text AS id, ${CURSOR_AT} AS at FROM contacts WHERE id = $1`, [id]);
    return encodeCursor(row);
  }

  // ── Contacts, invitations, mail, imports ────────────────────────────────────────────────────────

  /** A contact the suite edits. */
  contact(): Promise<string> {
    return this.once('contact', () => makeContact(this.t, 'hoa.nguyen@example.com', { name: 'Hoa Nguyễn', locale: 'vi', attributes: { segment: 'vip', tier: 2 } }));
  }

  freshContact(): Promise<string> {
    return this.made(() => makeContact(this.t, this.email('erased'), { name: 'To Erase', attributes: { segment: 'vip' } }));
  }

  /** An invitation to the main survey, answered through its link by the suite. */
  invitationToken(): Promise<string> {
    return this.once('invitation', async () => (await makeInvitedContact(this.t, await this.survey(), { email: 'invited@example.com', name: 'Invited' })).token);
  }

  /** An invitation whose unsubscribe link the suite uses. */
  /** The unsubscribe token of a digest sent to an extra address of Settings (one-click leaves Settings). */
  digestToken(): Promise<string> {
    return this.once('digest', async () => {
      await this.t.db.query(`UPDATE settings SET digest_recipients = array_append(digest_recipients, 'digest-reader@example.com')`);
      await this.t.db.query(`INSERT INTO digest_runs (period_key, frequency, period_from, period_to, outcome) VALUES ('weekly:2026-11-23', 'weekly', '2026-11-23', '2026-11-29', 'queued')`);
      const [{ token }] = await this.t.db.query(
        `INSERT INTO digest_deliveries (period_key, recipient, email, kind, locale, token, status, sent_at)
         VALUES ('weekly:2026-11-23', 'digest-reader@example.com', 'digest-reader@example.com', 'extra', 'en', $1, 'sent', now())
         RETURNING token`, [crypto.randomBytes(16).toString('base64url')]);
      return token as string;
    });
  }

  unsubscribeToken(): Promise<string> {
    return this.once('unsubscribe', async () => (await makeInvitedContact(this.t, await this.survey(), { email: 'leaving@example.com', name: 'Leaving' })).token);
  }

  batch(): Promise<{ surveyId: string; batchId: string }> {
    return this.once('batch', async () => {
      const surveyId = await this.sendSurvey();
      const report = await sendInvitations({ db: this.t.db, queue: this.t.queue }, {
        surveyId, audience: { type: 'emails', emails: [this.email('batch')] }, source: 'dashboard', requestedBy: 'suite@example.com',
      });
      return { surveyId, batchId: report.batchId };
    });
  }

  mailboxMessage(): Promise<string> {
    return this.once('mail', async () => {
      const messageId = `<${crypto.randomUUID()}@touchpoint.test>`;
      await storeInMailbox(this.t.db, {
        from: { address: 'touchpoint@example.com' }, to: [{ name: 'Hoa', address: 'hoa@example.com' }], subject: 'Hello',
        html: '<p>Hello</p>', text: 'Hello', headers: { 'X-Suite': '1' },
      }, messageId);
      return String((await this.t.db.query(`SELECT id FROM mailbox_messages WHERE message_id = $1`, [messageId]))[0].id);
    });
  }

  /** An import made through the upload form, as an editor does it. */
  importId(): Promise<string> {
    return this.once('import', async () => {
      const editor = await this.agent('editor');
      const res = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf)
        .attach('file', Buffer.from('email,name,segment\nimported@example.com,Imported,vip\nnot-an-email,Bad,\n'), { filename: 'contacts.csv', contentType: 'text/csv' });
      const m = /^\/manage\/contacts\/imports\/([0-9a-f-]{36})$/.exec(res.headers.location ?? '');
      if (!m) throw new Error(`could not import: ${res.status} ${res.headers.location}`);
      return m[1];
    });
  }
}

/** A CSRF token of a new anonymous session (what a stranger's browser gets on the login or setup page). */
export async function anonymousSession(t: TestApp): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(t.app);
  for (const page of ['/login', '/setup']) {
    const res = await agent.get(page);
    if (res.status === 200 || res.status === 403) {
      try {
        return { agent, csrf: csrfFrom(res.text) };
      } catch {
        // no form on this one: try the next page
      }
    }
  }
  throw new Error('no page gave an anonymous CSRF token');
}
