import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeSurvey, makeUser } from '../helpers/factories';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { startJobs, type Jobs } from '../../src/jobs';

/**
 * A measurement, not a timed test: 100 detractor answers through the API, each at a touchpoint with its own
 * owner (so grouping never holds one back beyond its gather delay), with the production defaults of the
 * closed loop (outbox polled every 500 ms, alert items gathered 10 s). Prints the time from each answer to
 * its alert in the SMTP server and to its webhook at the receiver (p50 and worst). It asserts only that
 * every alert and every webhook arrived.
 */

const N = 100;
let t: TestApp;
let smtp: TestSmtpServer;
let jobs: Jobs;
let receiver: http.Server;
const webhookAt = new Map<string, number>();

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: '1' });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (!webhookAt.has(event.data.response.id)) webhookAt.set(event.data.response.id, Date.now());
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  jobs = await startJobs(t);
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const res = await request(t.app).post('/api/v1/webhooks').set('Authorization', `Bearer ${t.apiKey}`).send({ url, events: ['response.created'] });
  expect(res.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await t.close();
  await smtp.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

test('time from answer to alert and to webhook, over 100 answers', async () => {
  const surveys: Array<{ id: string; owner: string }> = [];
  for (let i = 0; i < N; i++) {
    const owner = await makeUser(t, 'editor', { email: `latency-owner-${i}@example.com`, locale: i % 2 ? 'en' : 'vi' });
    surveys.push({ id: (await makeSurvey(t, { touchpoint: { ownerEmail: owner } })).id, owner });
  }
  const answeredAt = new Map<string, { at: number; owner: string }>();
  const mailAt = new Map<string, number>();
  let watching = true;
  // Notes when each owner's email is first seen at the SMTP server (checked every 10 ms).
  const watcher = (async () => {
    while (watching) {
      for (const m of smtp.messages) for (const to of m.to) if (!mailAt.has(to)) mailAt.set(to, Date.now());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  for (const s of surveys) {
    const at = Date.now();
    const res = await request(t.app).post(`/api/v1/surveys/${s.id}/responses`).set('Authorization', `Bearer ${t.apiKey}`).send({ score: 2, comment: 'Slow' });
    expect(res.status).toBe(201);
    answeredAt.set(res.body.id, { at, owner: s.owner });
    // One answer every 200 ms: a steady trickle, not a burst.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await eventually(() => mailAt.size >= N && webhookAt.size >= N, { timeoutMs: 120_000, what: () => `${N} alerts (${mailAt.size}) and webhooks (${webhookAt.size})` });
  watching = false;
  await watcher;
  const toMail = [...answeredAt.values()].map((a) => mailAt.get(a.owner)! - a.at);
  const toHook = [...answeredAt.entries()].map(([id, a]) => webhookAt.get(id)! - a.at);
  console.log(`closed loop over ${N} answers: answer -> alert in mailbox p50 ${quantile(toMail, 0.5)} ms, worst ${Math.max(...toMail)} ms; `
    + `answer -> webhook at receiver p50 ${quantile(toHook, 0.5)} ms, worst ${Math.max(...toHook)} ms`);
  expect(toMail).toHaveLength(N);
  expect(toHook).toHaveLength(N);
}, 300_000);
