import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from './webhook-target';

/** The outcome of one POST: the receiver's status code, or why there was none. */
export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * POSTs the body to the checked target. The connection goes to the address that was checked (a custom
 * lookup), while the Host header and TLS name stay the URL's host. Redirects are not followed (a 3xx is a
 * failure), and the whole attempt — connect, send, response — ends after `timeoutMs`. Only 2xx succeeds.
 * The response body is read and dropped (at most 64 KiB) so the connection closes cleanly.
 */
export function postWebhook(target: CheckedTarget, headers: Record<string, string>, body: string, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<AttemptResult> {
  const { url, address, family } = target;
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const payload = Buffer.from(body, 'utf8');
    const req = client.request(url, {
      method: 'POST',
      lookup,
      agent: false,
      headers: { ...headers, 'content-length': String(payload.length) },
    }, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 64 * 1024) res.destroy();
      });
      const status = res.statusCode ?? 0;
      const done = () => finish({
        ok: status >= 200 && status < 300,
        status,
        error: status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? `Redirect (${status}) not followed` : `HTTP ${status}`,
      });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: `No answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    req.on('error', (err) => finish({ ok: false, status: null, error: err.message.slice(0, 300) }));
    req.end(payload);
  });
}
