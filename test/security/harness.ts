import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Joi from 'joi';
import { Client } from 'pg';
import request from 'supertest';
import { CookieAccessInfo } from 'cookiejar';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { startJobs } from '../../src/jobs';
import { formFor } from './forms';
import {
  HUGE_FORM_BODY, HUGE_JSON_BODY, KEY_PAYLOADS, PATH_VALUES, PAYLOADS, POLLUTION_KEY, RawJson, STORED_MARKER_REGEX, type Payload, type UrlValue,
} from './payloads';
import { NAME_CONTROL_SQL, PERCENT_ENCODED_SQL, emailProblems, formulaCells, protectedFormulaCells, rawMarkers, showsEscapedPayload } from './checks';
import { areaOf, registeredRoutes, rolesOf, routeKey, type Area, type RoleName, type RouteRef } from './routes';
import { World, anonymousSession, type LoggedInRole } from './world';

/**
 * The bad-input harness: tries every registered route of an area as every role that may reach it, with
 * every payload in every field its plan names (path parameters, query string, form, JSON body, uploaded
 * CSV), and checks each answer: no 5xx; a 4xx stored nothing (the main tables and the upload folder are
 * compared before and after); HTML never shows a payload unescaped; no prototype was polluted. Then a
 * sweep runs the background jobs (mail, imports) and reads back every page, export and email that shows
 * what was stored. Requests run one at a time, so each change of the tables belongs to one request.
 */

type Params = Record<string, string>;
type Fill = string | ((w: World, params: Params) => string | Promise<string>);

/** The methods the suite knows how to send (DELETE: the API's, which take no body). */
const TRIED_METHODS: string[] = ['get', 'post', 'delete'];

export interface Plan {
  /** Real values for the path parameters (decoded); `fresh` gets new ones for every request. */
  params?: Record<string, (w: World) => Promise<string> | string>;
  fresh?: boolean;
  /** Valid query fields. */
  query?: (w: World) => Promise<Record<string, string>> | Record<string, string>;
  /** Also fuzz the fields of the GET form on the route's own page that submits to it (the filter bars). */
  queryForm?: boolean;
  /** A URL-encoded form: its fields read from the form on `page` that posts to the route, then `fill`. */
  form?: {
    page?: (params: Params) => string;
    /** Who reads the page (by default the route's own role). */
    as?: RoleName;
    fill?: Record<string, Fill>;
    /** Fields of a form that has no page (set as they are). */
    fields?: Record<string, Fill>;
    /** Which of the form's fields get the payloads (all by default). */
    only?: (name: string) => boolean;
  };
  /** JSON bodies (each a variant; a field is fuzzed in the first one holding it) and their schema. */
  json?: { bodies: (w: World) => Promise<unknown[]> | unknown[]; schema?: Joi.Schema };
  /** A multipart upload of a CSV file (header and one row), after a `_csrf` field. */
  multipart?: { header: string[]; row: (w: World) => string[]; csrf: boolean };
  /** Route-specific bad requests: pairs added to the valid form or query. */
  probes?: Array<{ name: string; pairs: string[] }>;
  /** Statuses the valid request may get (by default any below 400). */
  ok?: number[];
  /** The route changes the session (login, logout, language): logged-in roles use a copy of theirs. */
  session?: 'copy';
  /** Before every request of the route's own role. */
  beforeEach?: (w: World) => Promise<void>;
  /** After a request that was not refused: a problem the answer alone does not show (a background job failing). */
  after?: (w: World, res: request.Response) => Promise<string | null>;
  /** The route reads no query string and answers slowly (an image): no stray query field gets the payloads (its path does). */
  stray?: false;
  /** Run before (-1: while the journey is small, for pages that list all of it) or after (1) the other routes of the area. */
  order?: -1 | 1;
  /** SQL returning the parameters (as columns) of rows that hold a payload; $1 is the marker pattern. */
  sweep?: string;
}

export type FailureKind =
  | 'no-plan' | 'plan' | 'baseline' | '5xx' | 'no-answer' | 'stored-on-4xx' | 'file-left' | 'reflected' | 'pollution'
  | 'unescaped' | 'formula' | 'email' | 'import-failed' | 'rolled-over-date' | 'sweep-5xx' | 'garbage';

export interface Failure { kind: FailureKind; route: string; role: string; payload: string; field: string; status: number | null; detail: string }

export const CONTRACT_KINDS: FailureKind[] = ['no-plan', 'plan', 'baseline'];
export const SERVER_ERROR_KINDS: FailureKind[] = ['5xx', 'no-answer', 'sweep-5xx'];
export const STORED_KINDS: FailureKind[] = ['stored-on-4xx', 'file-left'];
export const SHOWN_KINDS: FailureKind[] = ['reflected', 'pollution', 'unescaped', 'formula', 'email', 'import-failed'];
export const GARBAGE_KINDS: FailureKind[] = ['rolled-over-date', 'garbage'];

const CSRF = '@@CSRF@@';
const enc = (s: string) => encodeURIComponent(s);

/** Tables whose rows a request may store, and the columns that change without storing anything a request sent. */
const SNAPSHOT_TABLES: Array<[string, string[]]> = [
  ['settings', []], ['users', []], ['api_keys', ['last_used_at']], ['stages', []], ['touchpoints', []], ['surveys', []],
  ['contacts', []], ['invitations', []], ['invitation_batches', []], ['responses', []], ['follow_ups', []],
  ['kpi_targets', []], ['contact_imports', []], ['contact_import_files', []], ['mailbox_messages', []],
];
/**
 * One row per table: its row count and the newest row version (xmin grows with every insert and update;
 * a delete lowers the count). Tables with columns that change without storing anything a request sent
 * are compared by their content without those columns.
 */
const SNAPSHOT_SQL = SNAPSHOT_TABLES.map(([table, skip]) => {
  if (skip.length === 0) return `SELECT '${table}' AS name, count(*)::int AS n, coalesce(max(xmin::text::bigint), 0)::text AS h FROM ${table} t`;
  const row = `(to_jsonb(t) - ARRAY[${skip.map((c) => `'${c}'`).join(', ')}]::text[])::text`;
  return `SELECT '${table}' AS name, count(*)::int AS n, md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS h FROM ${table} t`;
}).join(' UNION ALL ');

// ── Request shapes ─────────────────────────────────────────────────────────────────────────────────

type Body =
  | { kind: 'form'; pairs: string[] }
  | { kind: 'json'; value: unknown }
  | { kind: 'multipart'; rows: Buffer[][]; filename: Buffer; csrf: boolean };

interface Shape { params: Params; query: string[]; body: Body | null }

type FieldWhere = 'query' | 'form' | 'json' | 'csv' | 'filename';
interface Field { where: FieldWhere; name: string; path: Array<string | number>; limit: number | null; variant: number; cell?: [number, number] }

function pairName(pair: string): string {
  const name = pair.split('=')[0];
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/** A field's current value in a form or query string (the first one of its name), as it was sent. */
function pairValue(pairs: string[], name: string): string {
  const pair = pairs.find((p) => pairName(p) === name);
  if (!pair || !pair.includes('=')) return '';
  const value = pair.slice(pair.indexOf('=') + 1);
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function setPair(pairs: string[], name: string, value: UrlValue): string[] {
  const out = [...pairs];
  const at = out.findIndex((p) => pairName(p) === name);
  const replacement = 'value' in value ? [`${enc(name)}=${value.value}`] : value.pairs(name);
  if (at < 0) out.push(...replacement);
  else out.splice(at, 1, ...replacement);
  return out;
}

/** A deep copy that keeps own `__proto__` keys and raw JSON leaves. */
function clone(value: unknown): unknown {
  if (value instanceof RawJson || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, clone((value as Record<string, unknown>)[key]));
  return out;
}

function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
}

const own = (o: unknown, key: string | number) => o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, key);

function getAt(value: unknown, p: Array<string | number>): unknown {
  let v = value;
  for (const k of p) v = own(v, k) ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function setAt(value: unknown, p: Array<string | number>, next: unknown): unknown {
  if (p.length === 0) return next;
  const root = clone(value);
  let v = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) v = v[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (Array.isArray(v)) v[last as number] = next;
  else define(v as Record<string, unknown>, String(last), next);
  return root;
}

/** Every path of a JSON value: objects and arrays too (a wrong type there is a payload as well). */
function jsonPaths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return [];
  const out: Array<Array<string | number>> = [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  for (const k of keys) {
    const p = [...prefix, k];
    out.push(p, ...jsonPaths((value as Record<string | number, unknown>)[k], p));
  }
  return out;
}

function objectPaths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object' || value instanceof RawJson) return [];
  const own = Array.isArray(value) ? [] : [prefix];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...own, ...keys.flatMap((k) => objectPaths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function jsonBytes(value: unknown): Buffer {
  const raws: Buffer[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawJson ? `@@RAW${raws.push(v.bytes) - 1}@@` : v)) ?? 'null';
  const parts = text.split(/"@@RAW(\d+)@@"/);
  return Buffer.concat(parts.map((part, i) => (i % 2 === 1 ? raws[Number(part)] : Buffer.from(part, 'utf8'))));
}

interface SchemaDescription { type?: string; keys?: Record<string, SchemaDescription>; items?: SchemaDescription[]; rules?: Array<{ name: string; args?: { limit?: number } }>; matches?: Array<{ schema?: SchemaDescription }> }

/** The dotted paths a Joi schema names (arrays as `.0`, maps of free keys as the map itself). */
function schemaPaths(d: SchemaDescription, prefix: string[] = []): string[] {
  if (d.type === 'alternatives') return (d.matches ?? []).flatMap((m) => (m.schema ? schemaPaths(m.schema, prefix) : []));
  if (d.type === 'object' && d.keys) return Object.entries(d.keys).flatMap(([k, sub]) => [[...prefix, k].join('.'), ...schemaPaths(sub, [...prefix, k])]);
  if (d.type === 'array' && d.items?.[0]) return [[...prefix, '0'].join('.'), ...schemaPaths(d.items[0], [...prefix, '0'])];
  return [];
}

function schemaLimit(d: SchemaDescription | undefined, p: Array<string | number>): number | null {
  let node = d;
  for (const k of p) {
    if (!node) return null;
    if (node.type === 'alternatives') node = node.matches?.map((m) => m.schema).find((s) => s?.type === 'object' || s?.type === 'array');
    if (node?.type === 'object') node = node.keys?.[String(k)];
    else if (node?.type === 'array') node = node.items?.[0];
    else return null;
  }
  const max = node?.rules?.find((r) => r.name === 'max')?.args?.limit;
  return typeof max === 'number' ? max : null;
}

function csvCell(bytes: Buffer): Buffer {
  const quoted: number[] = [0x22];
  for (const b of bytes) quoted.push(...(b === 0x22 ? [0x22, 0x22] : [b]));
  quoted.push(0x22);
  return Buffer.from(quoted);
}

function multipartBody(body: Extract<Body, { kind: 'multipart' }>, csrf: string, boundary: string): Buffer {
  const csv = Buffer.concat(body.rows.flatMap((row, i) => [i > 0 ? Buffer.from('\r\n') : Buffer.alloc(0), ...row.flatMap((cell, j) => [j > 0 ? Buffer.from(',') : Buffer.alloc(0), csvCell(cell)])]));
  const parts: Buffer[] = [];
  if (body.csrf) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`), body.filename.map((b) => (b === 0x22 || b === 0x0d || b === 0x0a ? 0x5f : b)) as Buffer,
    Buffer.from(`"\r\nContent-Type: text/csv\r\n\r\n`), csv, Buffer.from(`\r\n--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

// ── The harness ─────────────────────────────────────────────────────────────────────────────────────

interface Template {
  params: Params;
  query: string[];
  /** Form pairs, with values that may be filled per request. */
  form: Array<{ name: string; value: Fill | null }> | null;
  jsonVariants: unknown[] | null;
  multipart: Plan['multipart'] | null;
  fields: Field[];
}

interface Figures {
  routes: number; routeRoles: number; payloadKinds: number; triples: number; requests: number; seconds: number;
  /** The sweep: pages read, those showing a stored payload (escaped), protected formula cells in exports, emails read and those holding a payload. */
  sweepPages: number; pagesShowingPayloads: number; protectedCells: number; emails: number; emailsWithPayloads: number;
}

export interface SuiteOptions {
  area: Area;
  plans: Record<string, Plan>;
  /** Start a test SMTP server for the app (otherwise the built-in mailbox keeps every email). */
  smtp?: boolean;
}

export class Suite {
  t!: TestApp;
  w!: World;
  smtp: TestSmtpServer | null = null;
  readonly failures: Failure[] = [];
  figures: Figures | null = null;
  private dataDir = '';
  private before: Map<string, string> | null = null;
  private triples = new Set<string>();
  private requests = 0;
  private routes: RouteRef[] = [];
  private lastAnswer = '';
  private seen = { sweepPages: 0, pagesShowingPayloads: 0, protectedCells: 0, emails: 0, emailsWithPayloads: 0 };
  private timings: string[] = [];

  constructor(readonly opts: SuiteOptions) {}

  async setUp(): Promise<void> {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `security-${this.opts.area}-`));
    if (this.opts.smtp) this.smtp = await startSmtpServer();
    this.t = await startTestApp({
      DATA_DIR: this.dataDir,
      PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
      ...(this.smtp ? { SMTP_URL: this.smtp.url } : {}),
    });
    this.w = new World(this.t);
    this.routes = registeredRoutes(this.t.app).map((r) => ({ method: r.method as RouteRef['method'], path: r.path }));
  }

  async tearDown(): Promise<void> {
    await this.snapshotClient?.end();
    await this.t?.close();
    await this.smtp?.close();
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The routes this file tries, in the app's order (plans may ask to go first or last). */
  areaRoutes(): RouteRef[] {
    const mine = this.routes.filter((r) => areaOf(r.path) === this.opts.area && TRIED_METHODS.includes(r.method));
    const order = (r: RouteRef) => this.opts.plans[routeKey(r)]?.order ?? 0;
    return [...mine].sort((a, b) => order(a) - order(b));
  }

  /** Every registered route of a method the suite does not try (it would need to learn them). */
  otherMethods(): string[] {
    return this.routes.filter((r) => areaOf(r.path) === this.opts.area && !TRIED_METHODS.includes(r.method)).map((r) => `${routeKey(r)}: the suite tries GET, POST and DELETE only`);
  }

  fail(f: Failure): void {
    this.failures.push(f);
  }

  // ── Snapshots ───────────────────────────────────────────────────────────────────────────────────

  private spooled(): number {
    const dir = path.join(this.dataDir, 'imports');
    return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
  }

  private snapshotClient: Client | null = null;
  private snapshotMs = 0;
  private sendMs = 0;

  private async snapshot(): Promise<Map<string, string>> {
    const t0 = Date.now();
    try {
      return await this.takeSnapshot();
    } finally {
      this.snapshotMs += Date.now() - t0;
    }
  }

  private async takeSnapshot(): Promise<Map<string, string>> {
    if (!this.snapshotClient) {
      this.snapshotClient = new Client({ connectionString: this.t.config.databaseUrl! });
      await this.snapshotClient.connect();
    }
    // A prepared statement on a connection of its own: planned once, not per request.
    const { rows } = await this.snapshotClient.query<{ name: string; n: number; h: string }>({ name: 'suite-snapshot', text: SNAPSHOT_SQL });
    const map = new Map(rows.map((r) => [r.name, `${r.n}:${r.h}`]));
    map.set('files in the upload folder', String(this.spooled()));
    return map;
  }

  // ── Templates: what a valid request of the route sends, and the fields payloads go into ────────────

  private async resolveParams(route: RouteRef, plan: Plan): Promise<Params> {
    const params: Params = {};
    for (const name of [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1])) {
      const source = plan.params?.[name];
      params[name] = source ? await source(this.w) : '1';
    }
    return params;
  }

  private concretePath(route: RouteRef, params: Params, raw = false): string {
    return route.path.replace(/:(\w+)/g, (_w, name: string) => (raw ? params[name] : enc(params[name] ?? '')));
  }

  private async page(role: RoleName, url: string): Promise<request.Response> {
    if (role === 'api') return request(this.t.app).get(url).set('Authorization', `Bearer ${this.t.apiKey}`);
    if (role === 'anonymous') return (await anonymousSession(this.t)).agent.get(url);
    return (await this.w.agent(role)).get(url);
  }

  private async template(route: RouteRef, plan: Plan, primary: RoleName, label: string): Promise<Template> {
    const params = await this.resolveParams(route, plan);
    const own = this.concretePath(route, params);
    const fields: Field[] = [];
    const query = Object.entries(plan.query ? await plan.query(this.w) : {}).map(([k, v]) => `${enc(k)}=${enc(v)}`);
    if (plan.queryForm) {
      const res = await this.page(primary, `${own}${query.length ? `?${query.join('&')}` : ''}`);
      const form = formFor(res.text ?? '', 'get', own);
      if (!form) this.fail({ kind: 'plan', route: label, role: primary, payload: '-', field: '-', status: res.status, detail: `no GET form on ${own} submits to it` });
      for (const c of form?.controls ?? []) {
        if (query.some((p) => pairName(p) === c.name)) continue;
        if (c.value !== null && c.value !== '') query.push(`${enc(c.name)}=${enc(c.value)}`);
        else if (!fields.some((f) => f.where === 'query' && f.name === c.name)) fields.push({ where: 'query', name: c.name, path: [], limit: c.maxLength, variant: 0 });
      }
    }
    for (const p of query) {
      const name = pairName(p);
      if (!fields.some((f) => f.where === 'query' && f.name === name)) fields.push({ where: 'query', name, path: [], limit: null, variant: 0 });
    }

    let form: Template['form'] = null;
    if (plan.form) {
      form = [];
      if (plan.form.page) {
        const pageUrl = plan.form.page(params);
        const res = await this.page(plan.form.as ?? primary, pageUrl);
        const found = formFor(res.text ?? '', 'post', this.concretePath(route, params));
        if (!found) {
          this.fail({ kind: 'plan', route: label, role: plan.form.as ?? primary, payload: '-', field: '-', status: res.status, detail: `no form on ${pageUrl} posts to ${this.concretePath(route, params)}` });
        }
        for (const c of found?.controls ?? []) form.push({ name: c.name, value: c.name === '_csrf' ? CSRF : c.value });
        for (const c of found?.controls ?? []) {
          if (!fields.some((f) => f.where === 'form' && f.name === c.name) && (plan.form.only?.(c.name) ?? true)) {
            fields.push({ where: 'form', name: c.name, path: [], limit: c.maxLength, variant: 0 });
          }
        }
      }
      for (const [name, value] of Object.entries({ ...plan.form.fields, ...plan.form.fill })) {
        // The control a browser sends: of radios with one name, the checked one.
        const sent = form.findIndex((c) => c.name === name && c.value !== null);
        const at = sent >= 0 ? sent : form.findIndex((c) => c.name === name);
        if (at < 0) form.push({ name, value });
        else form[at] = { name, value };
        if (!fields.some((f) => f.where === 'form' && f.name === name)) fields.push({ where: 'form', name, path: [], limit: null, variant: 0 });
      }
      if (plan.form.fields && !form.some((c) => c.name === '_csrf') && route.method === 'post' && areaOf(route.path) !== 'public') form.unshift({ name: '_csrf', value: CSRF });
    }

    let jsonVariants: unknown[] | null = null;
    if (plan.json) {
      jsonVariants = await plan.json.bodies(this.w);
      const description = plan.json.schema?.describe() as SchemaDescription | undefined;
      fields.push({ where: 'json', name: '(body)', path: [], limit: null, variant: 0 });
      jsonVariants.forEach((variant, i) => {
        for (const p of jsonPaths(variant)) {
          // Items after the first of a list are alike: the first gets the payloads.
          if (p.some((k) => typeof k === 'number' && k > 0)) continue;
          const name = p.join('.');
          if (!fields.some((f) => f.where === 'json' && f.name === name)) fields.push({ where: 'json', name, path: p, limit: schemaLimit(description, Array.isArray(variant) ? p.slice(1) : p), variant: i });
        }
      });
      if (description) {
        const named = new Set(fields.filter((f) => f.where === 'json').map((f) => f.path.filter((k) => typeof k === 'string' || k === 0).join('.')));
        const arrayRoot = jsonVariants.some((v) => Array.isArray(v));
        for (const p of schemaPaths(description)) {
          if (!named.has(p) && !(arrayRoot && named.has(`0.${p}`))) {
            this.fail({ kind: 'plan', route: label, role: primary, payload: '-', field: p, status: null, detail: `the schema names ${p} but no body of the plan holds it` });
          }
        }
      }
    }

    if (plan.multipart) {
      plan.multipart.header.forEach((h, i) => fields.push({ where: 'csv', name: `cell ${h}`, path: [], limit: null, variant: 0, cell: [1, i] }));
      fields.push({ where: 'csv', name: `header ${plan.multipart.header[plan.multipart.header.length - 1]}`, path: [], limit: null, variant: 0, cell: [0, plan.multipart.header.length - 1] });
      fields.push({ where: 'filename', name: 'file name', path: [], limit: 255, variant: 0 });
    }

    if (fields.every((f) => f.name === '_csrf')) {
      // A route that names no field still gets every payload: in a parameter it does not expect.
      if (route.method === 'post') {
        form ??= [];
        fields.push({ where: 'form', name: 'x', path: [], limit: null, variant: 0 });
      } else if (plan.stray !== false) {
        fields.push({ where: 'query', name: 'x', path: [], limit: null, variant: 0 });
      }
    }
    return { params, query, form, jsonVariants, multipart: plan.multipart ?? null, fields };
  }

  private async materialize(tpl: Template, plan: Plan, variant: number, fresh: Params | null): Promise<Shape> {
    const params = fresh ?? tpl.params;
    let body: Body | null = null;
    if (tpl.form) {
      const pairs: string[] = [];
      for (const c of tpl.form) {
        if (c.value === null) continue;
        const value = typeof c.value === 'function' ? await c.value(this.w, params) : c.value;
        pairs.push(`${enc(c.name)}=${value === CSRF ? CSRF : enc(value)}`);
      }
      body = { kind: 'form', pairs };
    } else if (tpl.jsonVariants && plan.json) {
      // Built again for every request: its keys and addresses are new each time.
      body = { kind: 'json', value: clone((await plan.json.bodies(this.w))[variant]) };
    } else if (tpl.multipart) {
      body = { kind: 'multipart', rows: [tpl.multipart.header.map((h) => Buffer.from(h)), tpl.multipart.row(this.w).map((c) => Buffer.from(c))], filename: Buffer.from('contacts.csv'), csrf: tpl.multipart.csrf };
    }
    return { params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, enc(v)])), query: [...tpl.query], body };
  }

  private apply(shape: Shape, field: Field, p: Payload): Shape | null {
    switch (field.where) {
      case 'query': {
        const current = pairValue(shape.query, field.name);
        if (!p.url || (p.after && current === '')) return null;
        return { ...shape, query: setPair(shape.query, field.name, p.url(field.limit, current)) };
      }
      case 'form': {
        if (!p.url || shape.body?.kind !== 'form') return null;
        const current = pairValue(shape.body.pairs, field.name);
        if (p.after && (current === '' || current === CSRF)) return null;
        return { ...shape, body: { kind: 'form', pairs: setPair(shape.body.pairs, field.name, p.url(field.limit, current)) } };
      }
      case 'json': {
        if (!p.json || shape.body?.kind !== 'json') return null;
        const current = getAt(shape.body.value, field.path);
        if (p.after && (typeof current !== 'string' || current === '')) return null;
        return { ...shape, body: { kind: 'json', value: setAt(shape.body.value, field.path, p.json(field.limit, current)) } };
      }
      case 'csv': {
        if (!p.cell || shape.body?.kind !== 'multipart' || !field.cell) return null;
        const rows = shape.body.rows.map((r) => [...r]);
        const [r, c] = field.cell;
        if (p.after && rows[r][c].length === 0) return null;
        rows[r][c] = p.after ? Buffer.concat([rows[r][c], p.cell]) : p.cell;
        return { ...shape, body: { ...shape.body, rows } };
      }
      case 'filename':
        if (!p.cell || shape.body?.kind !== 'multipart' || p.cell.length === 0) return null;
        return { ...shape, body: { ...shape.body, filename: p.after ? Buffer.concat([shape.body.filename, p.cell]) : p.cell } };
    }
  }

  // ── Sending ─────────────────────────────────────────────────────────────────────────────────────

  /** A copy of a logged-in role's session under a new id (same user, same CSRF token), as a cookie. */
  private async sessionCopy(role: LoggedInRole): Promise<string> {
    const agent = await this.w.agent(role);
    const cookie = agent.jar.getCookie('tp.sid', new CookieAccessInfo('127.0.0.1', '/', false, false));
    const value = decodeURIComponent(cookie?.value ?? '');
    const sid = value.slice(2, value.lastIndexOf('.'));
    const copy = crypto.randomBytes(18).toString('base64url');
    await this.t.db.query(`INSERT INTO session (sid, sess, expire) SELECT $2, sess, expire FROM session WHERE sid = $1`, [sid, copy]);
    const signature = crypto.createHmac('sha256', this.t.config.sessionSecret).update(copy).digest('base64').replace(/=+$/, '');
    return `tp.sid=${enc(`s:${copy}.${signature}`)}`;
  }

  private async send(route: RouteRef, role: RoleName, shape: Shape, plan: Plan): Promise<request.Response | Error> {
    const url = this.concretePath(route, shape.params, true) + (shape.query.length ? `?${shape.query.join('&')}` : '');
    const needsSession = shape.body !== null && (shape.body.kind === 'multipart' || (shape.body.kind === 'form' && shape.body.pairs.some((p) => p.includes(CSRF))));
    let req: request.Test;
    let csrf = '';
    if (role === 'api') {
      req = request(this.t.app)[route.method](url).set('Authorization', `Bearer ${this.t.apiKey}`);
    } else if (role === 'anonymous') {
      if (needsSession && areaOf(route.path) === 'public') {
        const anon = await anonymousSession(this.t);
        csrf = anon.csrf;
        req = anon.agent[route.method](url);
      } else {
        req = request(this.t.app)[route.method](url);
      }
    } else if (plan.session === 'copy') {
      csrf = (await this.w.agent(role)).csrf;
      req = request(this.t.app)[route.method](url).set('Cookie', await this.sessionCopy(role));
    } else {
      const agent = await this.w.agent(role);
      csrf = agent.csrf;
      req = agent[route.method](url);
    }
    req.set('Accept', areaOf(route.path) === 'api' ? 'application/json' : 'text/html,application/xhtml+xml,*/*;q=0.8');
    // The bytes go out as built here: superagent would otherwise encode them again (a Buffer as JSON).
    req.serialize((body: unknown) => body as string);
    if (shape.body?.kind === 'form') {
      req.set('Content-Type', 'application/x-www-form-urlencoded').send(shape.body.pairs.join('&').split(CSRF).join(enc(csrf)));
    } else if (shape.body?.kind === 'json') {
      req.set('Content-Type', 'application/json').send(jsonBytes(shape.body.value));
    } else if (shape.body?.kind === 'multipart') {
      const boundary = `----suite${crypto.randomBytes(8).toString('hex')}`;
      req.set('Content-Type', `multipart/form-data; boundary=${boundary}`).send(multipartBody(shape.body, csrf, boundary));
    }
    this.requests++;
    try {
      return await req.timeout({ response: 30_000, deadline: 60_000 });
    } catch (err) {
      const e = err as Error & { response?: request.Response };
      return e.response ?? e;
    }
  }

  /** One request of the run: sent, checked, and compared with the tables before it. */
  private async attempt(route: RouteRef, label: string, role: RoleName, payload: string, field: string, shape: Shape, plan: Plan, primary: boolean): Promise<request.Response | null> {
    if (primary && plan.beforeEach) {
      await plan.beforeEach(this.w);
      this.w.dirty = true;
    }
    // A role's first request logs it in (a user is made): before the snapshot, not inside the request.
    if (role !== 'anonymous' && role !== 'api') await this.w.agent(role);
    if (this.w.dirty || !this.before) {
      this.before = await this.snapshot();
      this.w.dirty = false;
    }
    this.triples.add(`${label}|${role}|${payload}`);
    const t0 = Date.now();
    const res = await this.send(route, role, shape, plan);
    this.sendMs += Date.now() - t0;
    const base = { route: label, role, payload, field };
    if (res instanceof Error) {
      this.fail({ ...base, kind: 'no-answer', status: null, detail: res.message });
      this.w.dirty = true;
      return null;
    }
    const { status } = res;
    this.lastAnswer = firstLine(res);
    if (status >= 500) this.fail({ ...base, kind: '5xx', status, detail: firstLine(res) });
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith('text/html')) {
      const raw = rawMarkers(res.text ?? '');
      if (raw.length > 0) this.fail({ ...base, kind: 'reflected', status, detail: `unescaped in the answer: ${raw.join(', ')}` });
    }
    if (type.startsWith('text/csv')) {
      const cells = formulaCells(res.text ?? '');
      if (cells.length > 0) this.fail({ ...base, kind: 'formula', status, detail: `cells without a leading ': ${cells.slice(0, 3).join(' | ')}` });
    }
    if (Object.prototype.hasOwnProperty.call(Object.prototype, POLLUTION_KEY)) {
      this.fail({ ...base, kind: 'pollution', status, detail: 'Object.prototype was polluted' });
      delete (Object.prototype as Record<string, unknown>)[POLLUTION_KEY];
    }
    if (status < 400 && plan.after) {
      const problem = await plan.after(this.w, res);
      this.w.dirty = true;
      if (problem) this.fail({ ...base, kind: 'import-failed', status, detail: problem });
    }
    const after = await this.snapshot();
    if (status >= 400 && status < 500) {
      const changed = [...after].filter(([k, v]) => this.before!.get(k) !== v).map(([k]) => k);
      const files = changed.filter((k) => k.startsWith('files'));
      const tables = changed.filter((k) => !k.startsWith('files'));
      if (tables.length > 0) this.fail({ ...base, kind: 'stored-on-4xx', status, detail: `changed: ${tables.join(', ')}` });
      if (files.length > 0) this.fail({ ...base, kind: 'file-left', status, detail: `the upload folder keeps ${after.get(files[0])} file(s)` });
    } else if (status >= 500 && after.get('files in the upload folder') !== this.before.get('files in the upload folder')) {
      this.fail({ ...base, kind: 'file-left', status, detail: `the upload folder keeps ${after.get('files in the upload folder')} file(s)` });
    }
    this.before = after;
    return res;
  }

  // ── Running an area ─────────────────────────────────────────────────────────────────────────────

  async run(): Promise<void> {
    const started = Date.now();
    const routes = this.areaRoutes();
    let roleCount = 0;
    for (const route of routes) {
      roleCount += rolesOf(route).all.length;
      const [t0, n0] = [Date.now(), this.requests];
      await this.runRoute(route);
      this.timings.push(`${routeKey(route)}: ${this.requests - n0} requests, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await this.sweep();
    this.figures = {
      routes: routes.length,
      routeRoles: roleCount,
      payloadKinds: PAYLOADS.length + KEY_PAYLOADS.length + PATH_VALUES.length + 1,
      triples: this.triples.size,
      requests: this.requests,
      seconds: Math.round((Date.now() - started) / 1000),
      ...this.seen,
    };
    this.report();
  }

  private async runRoute(route: RouteRef): Promise<void> {
    const label = routeKey(route);
    const known = this.opts.plans[label];
    if (!known) this.fail({ kind: 'no-plan', route: label, role: '-', payload: '-', field: '-', status: null, detail: 'no payload plan in test/security/plans.ts: tried with parameters only' });
    const plan: Plan = known ?? { form: route.method === 'post' ? { fields: {} } : undefined };
    const { primary, all } = rolesOf(route);
    if (plan.beforeEach) await plan.beforeEach(this.w);
    const tpl = await this.template(route, plan, primary, label);
    const freshParams = async () => (plan.fresh ? this.resolveParams(route, plan) : null);
    const variants = tpl.jsonVariants?.length ?? 1;

    // The valid request(s) first: a route the plan cannot exercise makes every payload result meaningless.
    for (let v = 0; v < variants; v++) {
      const status = (await this.attempt(route, label, primary, 'valid', `variant ${v}`, await this.materialize(tpl, plan, v, await freshParams()), plan, true))?.status ?? null;
      const ok = plan.ok ? plan.ok.includes(status ?? 0) : status !== null && status < 400;
      if (!ok && known) this.fail({ kind: 'baseline', route: label, role: primary, payload: 'valid', field: `variant ${v}`, status, detail: `the valid request of the plan was refused: ${this.lastAnswer}` });
    }

    // The route's own role: every payload in every field.
    for (const field of tpl.fields) {
      for (const p of PAYLOADS) {
        const shape = this.apply(await this.materialize(tpl, plan, field.variant, await freshParams()), field, p);
        if (shape) await this.attempt(route, label, primary, p.name, `${field.where} ${field.name}`, shape, plan, true);
      }
    }
    // Keys: next to the fields (query string, form) and at every level of a JSON body.
    for (const k of KEY_PAYLOADS) {
      const shape = await this.materialize(tpl, plan, 0, await freshParams());
      if (shape.body?.kind === 'json') {
        for (const at of objectPaths(shape.body.value)) {
          const value = clone(getAt(shape.body.value, at)) as Record<string, unknown>;
          for (const [key, v] of Object.entries(k.json())) define(value, key, v);
          const res = await this.attempt(route, label, primary, k.name, `json ${at.join('.') || '(body)'}`, { ...shape, body: { kind: 'json', value: setAt(shape.body.value, at, value) } }, plan, true);
          // The API refuses unknown fields; in a map of free keys (attributes, hidden fields) the value is not one it takes.
          if (res && res.status < 400) {
            this.fail({ kind: 'garbage', route: label, role: primary, payload: k.name, field: `json ${at.join('.') || '(body)'}`, status: res.status, detail: 'an unknown or prototype key was accepted' });
          }
        }
      } else if (shape.body?.kind === 'form') {
        await this.attempt(route, label, primary, k.name, 'form keys', { ...shape, body: { kind: 'form', pairs: [...shape.body.pairs, ...k.url] } }, plan, true);
      } else if (!shape.body && (plan.stray !== false || tpl.fields.length > 0)) {
        await this.attempt(route, label, primary, k.name, 'query keys', { ...shape, query: [...shape.query, ...k.url] }, plan, true);
      }
    }
    // A whole body over the parser's limit.
    {
      const shape = await this.materialize(tpl, plan, 0, await freshParams());
      if (shape.body?.kind === 'form') await this.attempt(route, label, primary, 'huge-body', 'form', { ...shape, body: { kind: 'form', pairs: [...shape.body.pairs, `x=${'x'.repeat(HUGE_FORM_BODY)}`] } }, plan, true);
      if (shape.body?.kind === 'json') await this.attempt(route, label, primary, 'huge-body', 'json', { ...shape, body: { kind: 'json', value: { x: 'x'.repeat(HUGE_JSON_BODY) } } }, plan, true);
    }
    // Path parameters: bad ids, keys and tokens.
    for (const name of Object.keys(tpl.params)) {
      const values = [...PATH_VALUES, ...PAYLOADS.filter((p) => p.path !== null).map((p) => ({ name: p.name, value: p.path! }))];
      for (const bad of values) {
        const shape = await this.materialize(tpl, plan, 0, await freshParams());
        await this.attempt(route, label, primary, bad.name, `path :${name}`, { ...shape, params: { ...shape.params, [name]: bad.value } }, plan, true);
      }
    }
    for (const probe of plan.probes ?? []) {
      const shape = await this.materialize(tpl, plan, 0, await freshParams());
      const next = shape.body?.kind === 'form' ? { ...shape, body: { kind: 'form' as const, pairs: [...shape.body.pairs, ...probe.pairs] } } : { ...shape, query: [...shape.query, ...probe.pairs] };
      await this.attempt(route, label, primary, `probe ${probe.name}`, probe.pairs.join('&').slice(0, 80), next, plan, true);
    }

    // Every other role: the valid request, then each payload in every field at once. A role the route
    // refuses is turned away before the body is read, so it gets one payload of each group.
    for (const role of all.filter((r) => r !== primary)) {
      await this.attempt(route, label, role, 'valid', 'variant 0', await this.materialize(tpl, plan, 0, await freshParams()), plan, false);
      const refused = refuses(route, role);
      for (const p of PAYLOADS.filter((x, i) => !refused || PAYLOADS.findIndex((y) => y.group === x.group) === i)) {
        let shape: Shape | null = await this.materialize(tpl, plan, 0, await freshParams());
        const leaves = tpl.fields.filter((f) => f.variant === 0 && !(f.where === 'json' && tpl.fields.some((g) => g.where === 'json' && g !== f && g.path.length > f.path.length && f.path.every((k, i) => g.path[i] === k))));
        let touched = false;
        for (const f of leaves) {
          const next: Shape | null = this.apply(shape!, f, p);
          if (next) {
            shape = next;
            touched = true;
          }
        }
        if (touched) await this.attempt(route, label, role, p.name, 'every field', shape!, plan, false);
      }
    }
  }

  // ── The sweep: what was stored, shown again ─────────────────────────────────────────────────────

  private async sweep(): Promise<void> {
    // The background jobs: every queued email goes out (to the mailbox or the test SMTP server).
    const t0 = Date.now();
    const jobs = await startJobs({ ...this.t }, { delivery: { pollIntervalMs: 100, probeEveryMs: 200 }, retryDelaySeconds: 1 });
    try {
      await eventually(async () => {
        const [{ n }] = await this.t.db.query(`SELECT count(*)::int AS n FROM invitations WHERE status IN ('queued', 'sending')`);
        return n === 0 && (!this.smtp || this.smtp.messages.length === this.smtp.accepted());
      }, { timeoutMs: 60_000, what: 'every queued invitation to be sent' });
    } catch (err) {
      this.fail({ kind: 'email', route: '(emails)', role: '-', payload: '-', field: '-', status: null, detail: (err as Error).message });
    } finally {
      await jobs.stop();
    }

    // An impossible date must be refused, never stored as another day (30 February as 2 March).
    const rolled: Array<{ what: string; n: number; id: string }> = await this.t.db.query(
      `SELECT 'contacts.unsubscribed_at' AS what, count(*)::int AS n, min(id::text) AS id FROM contacts
         WHERE unsubscribed_at::date IN ('2026-03-02', '2025-03-02') AND unsubscribed_at::date <> current_date HAVING count(*) > 0
       UNION ALL SELECT 'responses.created_at', count(*)::int, min(id::text) FROM responses
         WHERE created_at::date IN ('2026-03-02', '2025-03-02') AND created_at::date <> current_date HAVING count(*) > 0`);
    for (const r of rolled) {
      this.fail({ kind: 'rolled-over-date', route: '(stored rows)', role: '-', payload: 'date-feb-30', field: r.what, status: null, detail: `${r.n} row(s) hold 2 March where 30 February was sent (e.g. ${r.id})` });
    }
    // Garbage: a value stored still percent-encoded, or a person's name keeping control or bidi characters.
    const percent: Array<{ what: string; n: number; id: string; example: string }> = await this.t.db.query(
      `SELECT what, count(*)::int AS n, min(id) AS id, min(example) AS example FROM (${SNAPSHOT_TABLES.filter(([table]) => table !== 'mailbox_messages' && table !== 'contact_import_files')
        .map(([table]) => `SELECT '${table}.' || e.key AS what, coalesce(to_jsonb(t)->>'id', '') AS id, left(e.value, 60) AS example
             FROM ${table} t, jsonb_each_text(to_jsonb(t)) e WHERE e.value ~* $1`).join(' UNION ALL ')}) x GROUP BY what ORDER BY what`, [PERCENT_ENCODED_SQL]);
    for (const r of percent) {
      this.fail({ kind: 'garbage', route: '(stored rows)', role: '-', payload: 'utf8', field: r.what, status: null, detail: `${r.n} row(s) hold text still percent-encoded (bytes that are not UTF-8), e.g. ${r.id}: ${JSON.stringify(r.example)}` });
    }
    const names: Array<{ what: string; n: number; example: string }> = await this.t.db.query(
      `SELECT what, count(*)::int AS n, min(name) AS example FROM (SELECT 'contacts.name' AS what, name FROM contacts WHERE name ~ $1
         UNION ALL SELECT 'users.name', name FROM users WHERE name ~ $1) x GROUP BY what`, [NAME_CONTROL_SQL]);
    for (const r of names) {
      this.fail({ kind: 'garbage', route: '(stored rows)', role: '-', payload: 'control', field: r.what, status: null, detail: `${r.n} name(s) keep control or bidi characters, e.g. ${JSON.stringify(r.example).slice(0, 60)}` });
    }

    await this.checkEmails();
    const t1 = Date.now();
    const n1 = this.requests;
    await this.checkPages();
    this.timings.push(`sweep: jobs and emails ${((t1 - t0) / 1000).toFixed(1)} s, ${this.requests - n1} pages ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }

  private async checkEmails(): Promise<void> {
    const mails: Array<{ id: string; recipients: string; html: string | null; text: string | null; headers: Record<string, string> }> =
      await this.t.db.query(`SELECT id::text AS id, recipients, html, text, headers FROM mailbox_messages`);
    const holdsPayload = (...parts: Array<string | null | undefined>) => parts.some((p) => p && /alert\(1\)|Injected-Line/.test(p));
    for (const m of mails) {
      this.seen.emails++;
      if (holdsPayload(m.html, m.text, m.recipients)) this.seen.emailsWithPayloads++;
      for (const problem of emailProblems(m.html, m.text, Object.keys(m.headers))) {
        this.fail({ kind: 'email', route: '(mailbox)', role: '-', payload: '-', field: `message ${m.id} to ${m.recipients.slice(0, 80)}`, status: null, detail: problem });
      }
    }
    for (const m of this.smtp?.messages ?? []) {
      this.seen.emails++;
      if (holdsPayload(m.raw.toString('utf8'))) this.seen.emailsWithPayloads++;
      const headerNames = [...m.parsed.headers.keys()];
      const rawHeaders = m.raw.toString('utf8').split(/\r\n\r\n/)[0];
      const problems = emailProblems(typeof m.parsed.html === 'string' ? m.parsed.html : null, m.parsed.text ?? null, headerNames);
      if (/^Injected-Line:/im.test(rawHeaders)) problems.push('a header line was injected');
      for (const problem of problems) this.fail({ kind: 'email', route: '(smtp)', role: '-', payload: '-', field: `to ${m.to.join(', ').slice(0, 80)}`, status: null, detail: problem });
    }
  }

  /** Every page, export and API read of the app (any area), for its default things and those holding a payload. */
  private async checkPages(): Promise<void> {
    for (const route of this.routes.filter((r) => r.method === 'get')) {
      const label = routeKey(route);
      const plan = this.opts.plans[label] ?? {};
      const area = areaOf(route.path);
      const role: RoleName = area === 'api' ? 'api' : area === 'public' ? 'anonymous' : 'admin';
      const sets: Params[] = [];
      try {
        sets.push(await this.resolveParams(route, plan));
      } catch (err) {
        this.fail({ kind: 'plan', route: label, role, payload: 'sweep', field: '-', status: null, detail: `no parameters for the sweep: ${(err as Error).message}` });
      }
      if (plan.sweep) {
        const rows: Params[] = await this.t.db.query(`${plan.sweep} LIMIT 15`, [STORED_MARKER_REGEX]);
        sets.push(...rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))));
      }
      for (const params of sets) {
        const url = this.concretePath(route, params);
        const res = await this.page(role, url);
        this.requests++;
        this.seen.sweepPages++;
        const base = { route: label, role, payload: 'stored payloads', field: url };
        if (res.status >= 500) this.fail({ ...base, kind: 'sweep-5xx', status: res.status, detail: firstLine(res) });
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('text/html')) {
          const raw = rawMarkers(res.text ?? '');
          if (raw.length > 0) this.fail({ ...base, kind: 'unescaped', status: res.status, detail: `shows ${raw.join(', ')} unescaped` });
          if (showsEscapedPayload(res.text ?? '')) this.seen.pagesShowingPayloads++;
        }
        if (type.startsWith('text/csv')) {
          this.seen.protectedCells += protectedFormulaCells(res.text ?? '');
          const cells = formulaCells(res.text ?? '');
          if (cells.length > 0) this.fail({ ...base, kind: 'formula', status: res.status, detail: `${cells.length} cell(s) without a leading ': ${cells.slice(0, 4).join(' | ')}` });
        }
      }
    }
  }

  // ── Figures and the list of failures ────────────────────────────────────────────────────────────

  failuresOf(kinds: FailureKind[]): string[] {
    return this.failures.filter((f) => kinds.includes(f.kind)).map(formatFailure);
  }

  private report(): void {
    const f = this.figures!;
    const byRoute = new Map<string, Failure[]>();
    for (const x of this.failures) byRoute.set(x.route, [...(byRoute.get(x.route) ?? []), x]);
    const lines = [
      `bad-input suite, area ${this.opts.area}: ${f.routes} routes, ${f.routeRoles} route×role pairs, ${f.payloadKinds} payload kinds;`,
      `${f.triples} route×role×payload combinations tried in ${f.requests} requests (${f.seconds} s); ${this.failures.length} failures`,
      `sweep: ${f.sweepPages} pages and exports read back, ${f.pagesShowingPayloads} showing a stored payload escaped, ${f.protectedCells} formula cells protected; `
        + `${f.emails} emails read, ${f.emailsWithPayloads} holding a payload`,
      '',
      ...[...byRoute].flatMap(([route, list]) => [route, ...list.map((x) => `  ${formatFailure(x)}`)]),
      '',
      `time in requests ${(this.sendMs / 1000).toFixed(1)} s, in snapshots ${(this.snapshotMs / 1000).toFixed(1)} s; per route:`,
      ...this.timings.map((x) => `  ${x}`),
    ];
    const dir = path.join(process.cwd(), '.tmp', 'security');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${this.opts.area}.txt`), `${lines.join('\n')}\n`);
    // Written whole, then renamed: the other Jest worker may be reading the folder for its summary.
    const json = path.join(dir, `${this.opts.area}.json`);
    fs.writeFileSync(`${json}.${process.pid}`, JSON.stringify({ area: this.opts.area, figures: f, failures: this.failures }, null, 1));
    fs.renameSync(`${json}.${process.pid}`, json);
    // The figures of every area, from the last run of each file.
    const areas = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).flatMap((n) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as { area: string; figures: Figures; failures: Failure[] }];
      } catch {
        return [];
      }
    });
    const sum = (k: keyof Figures) => areas.reduce((total, a) => total + a.figures[k], 0);
    fs.writeFileSync(path.join(dir, 'summary.txt'), [
      `areas: ${areas.map((a) => a.area).join(', ')}`,
      `${sum('routes')} routes, ${sum('routeRoles')} route×role pairs, ${f.payloadKinds} payload kinds: ${sum('triples')} route×role×payload combinations in ${sum('requests')} requests`,
      `${areas.reduce((n, a) => n + a.failures.length, 0)} failures (${areas.reduce((n, a) => n + a.failures.filter((x) => SERVER_ERROR_KINDS.includes(x.kind)).length, 0)} of them 5xx)`,
      '',
    ].join('\n'));
    process.stdout.write(`\n${lines.slice(0, 3).join('\n')}\n(report: .tmp/security/${this.opts.area}.txt)\n`);
  }
}

const RANK: Record<RoleName, number> = { anonymous: 0, api: 0, viewer: 1, editor: 2, admin: 3 };

/** Whether the route turns the role away before reading what it sent (a dashboard route below its role, the API without a key). */
function refuses(route: RouteRef, role: RoleName): boolean {
  const area = areaOf(route.path);
  if (area === 'api') return role !== 'api';
  if (area === 'public') return false;
  return RANK[role] < RANK[rolesOf(route).primary];
}

/** What the answer says, in short: the API's error, or a page's title and messages. */
function firstLine(res: request.Response): string {
  if (typeof res.body === 'object' && res.body?.error) return JSON.stringify(res.body.error).slice(0, 200);
  const html = res.text ?? '';
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
  const messages = [...html.matchAll(/(?:role="alert"|class="field-error")[^>]*>([^<]*)</g)].map((m) => m[1].trim()).filter(Boolean);
  return [title, ...messages].join(' | ').replace(/\s+/g, ' ').slice(0, 200);
}

export function formatFailure(x: Failure): string {
  const line = `[${x.kind}] ${x.route} as ${x.role}: ${x.payload} in ${x.field} → ${x.status ?? '-'} ${x.detail}`.trim();
  // A payload's CR/LF or escape characters in a recipient or an example stay visible, on one line.
  return line.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The tests of one area's file: the run happens once (before the tests), each test then asserts one
 * property over every route, role and payload. The figures and every failure, grouped by route, are
 * written to .tmp/security/<area>.txt.
 */
export function describeBadInput(title: string, opts: SuiteOptions): Suite {
  const suite = new Suite(opts);
  beforeAll(async () => {
    await suite.setUp();
    await suite.run();
  }, 900_000);
  afterAll(() => suite.tearDown(), 60_000);

  describe(title, () => {
    test('every route of the area has a payload plan whose valid request is accepted', () => {
      expect(suite.figures?.routes).toBeGreaterThan(0);
      expect([...suite.otherMethods(), ...suite.failuresOf(CONTRACT_KINDS)]).toEqual([]);
    });
    test('no route answers any role and payload with a 5xx', () => {
      expect(suite.failuresOf(SERVER_ERROR_KINDS)).toEqual([]);
    });
    test('a refused request (4xx) stores nothing and leaves no file behind', () => {
      expect(suite.failuresOf(STORED_KINDS)).toEqual([]);
    });
    test('payloads are escaped wherever they are shown again (pages, mailbox, emails, CSV) and jobs survive them', () => {
      expect(suite.failuresOf(SHOWN_KINDS)).toEqual([]);
    });
    test('nothing malformed is stored (rolled-over dates, percent-encoded bytes, control characters in names, unknown keys)', () => {
      expect(suite.failuresOf(GARBAGE_KINDS)).toEqual([]);
    });
  });
  return suite;
}
