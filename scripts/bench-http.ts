// HTTP helpers of the benches (scripts/bench*.ts): requests, a dashboard login, latency percentiles.
import http from 'node:http';

export interface HttpResult { status: number; body: string; headers: http.IncomingHttpHeaders }

export function request(agent: http.Agent, base: string, method: string, pathname: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${pathname}`, { method, agent, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

/** A dashboard session through the real login form (CSRF token, cookie). */
export async function login(agent: http.Agent, base: string, email: string, password: string): Promise<string> {
  const page = await request(agent, base, 'GET', '/login');
  const cookie = (page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the login page');
  const res = await request(agent, base, 'POST', '/login', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  return (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface Timing { p50: number; p95: number; n: number }

/** Latencies of `count` GETs, one at a time or from `concurrency` clients at once; every answer must be a 200. */
export async function measure(agent: http.Agent, base: string, pathname: string, headers: Record<string, string>, count: number, concurrency: number): Promise<Timing> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const start = process.hrtime.bigint();
      const res = await request(agent, base, 'GET', pathname, { headers });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}: ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), n: times.length };
}
