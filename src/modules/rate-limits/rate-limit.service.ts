import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/** How often each instance adds its counts to the shared table and reads the totals back. */
export const RATE_LIMIT_SYNC_MS = 1000;

interface Counter {
  /** Hits of every instance in this window, as of the last sync (this instance's included). */
  shared: number;
  /** This instance's hits being added by the sync in flight. */
  inflight: number;
  /** This instance's hits since the last sync (negative after decrements). */
  pending: number;
}

/**
 * An express-rate-limit store whose counts hold across app instances without a database round trip per
 * request. Windows are fixed (aligned on windowMs). Each instance counts locally; every second it adds
 * its new hits to `rate_limit_hits` and reads back the shared totals of the keys it knows, plus every key
 * already at half its limit anywhere (so a client blocked on one instance is blocked on all within a
 * second). A request is judged on shared total + local hits since the last sync. While the database
 * cannot be reached, counting goes on locally and the hits are added once it is back. Keys (an address,
 * an account) are stored hashed.
 */
export class SharedRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;
  private limit: number | null = null;
  private windowStart = 0;
  private counters = new Map<string, Counter>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private syncs = 0;
  /** Hits of windows that ended before a sync could add them: added first at the next sync. */
  private leftovers: Array<{ windowStart: number; keys: string[]; deltas: number[] }> = [];

  constructor(private readonly db: DataSource, readonly name: string, private readonly syncMs = RATE_LIMIT_SYNC_MS) {
    this.prefix = `${name}:`;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.limit = typeof options.limit === 'number' ? options.limit : null;
    this.timer = setInterval(() => void this.sync(), this.syncMs);
    this.timer.unref();
  }

  private rollWindow(now = Date.now()): void {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      // The hits of the window that just ended still count in the shared table (another instance may
      // judge that window for a little longer): they are added at the next sync.
      this.keepLeftovers(this.windowStart, [...this.counters].map(([key, c]) => [key, c.pending]));
      for (const c of this.counters.values()) c.pending = 0;
      this.windowStart = start;
      this.counters = new Map();
    }
  }

  private keepLeftovers(windowStart: number, hits: Array<[string, number]>): void {
    const kept = hits.filter(([, n]) => n !== 0);
    if (windowStart !== 0 && kept.length > 0) this.leftovers.push({ windowStart, keys: kept.map(([k]) => k), deltas: kept.map(([, n]) => n) });
  }

  private info(c: Counter): ClientRateLimitInfo {
    return { totalHits: Math.max(0, c.shared + c.inflight + c.pending), resetTime: new Date(this.windowStart + this.windowMs) };
  }

  get(rawKey: string): ClientRateLimitInfo | undefined {
    const key = hashKey(rawKey);
    this.rollWindow();
    const c = this.counters.get(key);
    return c ? this.info(c) : undefined;
  }

  increment(rawKey: string): ClientRateLimitInfo {
    const key = hashKey(rawKey);
    this.rollWindow();
    let c = this.counters.get(key);
    if (!c) {
      c = { shared: 0, inflight: 0, pending: 0 };
      this.counters.set(key, c);
    }
    c.pending++;
    return this.info(c);
  }

  decrement(rawKey: string): void {
    const key = hashKey(rawKey);
    this.rollWindow();
    const c = this.counters.get(key);
    if (c) c.pending--;
  }

  async resetKey(rawKey: string): Promise<void> {
    const key = hashKey(rawKey);
    this.counters.delete(key);
    await this.db.query(`DELETE FROM rate_limit_hits WHERE limiter = $1 AND key = $2`, [this.name, key]);
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Adds this instance's hits to the shared counts and reads the totals back (one statement). */
  sync(): Promise<void> {
    this.syncing ??= this.doSync().finally(() => { this.syncing = null; });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    if (!this.db.isInitialized) return;
    this.rollWindow();
    while (this.leftovers.length > 0) {
      const l = this.leftovers[0];
      try {
        await this.db.query(
          `INSERT INTO rate_limit_hits AS h (limiter, key, window_start, window_end, hits)
           SELECT $1::text, key, $2::timestamptz, $2::timestamptz + $5::int * interval '1 millisecond', n FROM unnest($3::text[], $4::int[]) AS d(key, n)
           ON CONFLICT (limiter, window_start, key) DO UPDATE SET hits = h.hits + EXCLUDED.hits`,
          [this.name, new Date(l.windowStart), l.keys, l.deltas, this.windowMs]);
      } catch {
        return; // Not reachable now: added at a later sync.
      }
      this.leftovers.shift();
    }
    const windowStart = this.windowStart;
    const counters = this.counters;
    const keys = [...counters.keys()];
    const deltas = keys.map((k) => counters.get(k)!.pending);
    for (const k of keys) {
      const c = counters.get(k)!;
      c.inflight = c.pending;
      c.pending = 0;
    }
    let rows: Array<{ key: string; hits: number }>;
    try {
      rows = await this.db.query(
        `WITH d AS (SELECT * FROM unnest($3::text[], $4::int[]) AS d(key, n)),
         up AS (
           INSERT INTO rate_limit_hits AS h (limiter, key, window_start, window_end, hits)
           SELECT $1::text, key, $2::timestamptz, $2::timestamptz + $5::int * interval '1 millisecond', n FROM d WHERE n <> 0
           ON CONFLICT (limiter, window_start, key) DO UPDATE SET hits = h.hits + EXCLUDED.hits
           RETURNING key, hits
         )
         SELECT key, hits FROM up
         UNION ALL
         SELECT h.key, h.hits FROM rate_limit_hits h
         WHERE h.limiter = $1::text AND h.window_start = $2::timestamptz AND h.key NOT IN (SELECT key FROM up)
           AND (h.key IN (SELECT key FROM d) OR ($6::int IS NOT NULL AND h.hits * 2 >= $6::int))`,
        [this.name, new Date(windowStart), keys, deltas, this.windowMs, this.limit]);
    } catch {
      // Not reachable now: the hits are added at a later sync.
      for (const c of counters.values()) {
        c.pending += c.inflight;
        c.inflight = 0;
      }
      // The window ended meanwhile: these hits belong to it.
      if (this.counters !== counters) {
        this.keepLeftovers(windowStart, [...counters].map(([key, c]) => [key, c.pending]));
        for (const c of counters.values()) c.pending = 0;
      }
      return;
    }
    for (const c of counters.values()) c.inflight = 0;
    if (this.windowStart !== windowStart) return;
    for (const { key, hits } of rows) {
      const c = this.counters.get(key);
      if (c) c.shared = Number(hits);
      else this.counters.set(key, { shared: Number(hits), inflight: 0, pending: 0 });
    }
    if (++this.syncs % 60 === 0) {
      await this.db.query(`DELETE FROM rate_limit_hits WHERE limiter = $1 AND window_end < now() - interval '10 minutes'`, [this.name]).catch(() => undefined);
    }
  }
}

function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('base64url');
}

/** A store for one limiter (its name keys its rows), shared by every app instance on this database. */
export function sharedRateLimitStore(db: DataSource, name: string, syncMs?: number): SharedRateLimitStore {
  return new SharedRateLimitStore(db, name, syncMs);
}
