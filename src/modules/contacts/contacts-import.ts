/**
 * CSV import of contacts, streamed end to end so a file of any size up to the limit never sits in memory.
 *
 * 1. The upload (multipart, read with busboy) is checked as it arrives — CSRF token first, then UTF-8 text,
 *    size — and flows through csv-parse: the header is mapped and every row validated, while the bytes are
 *    spooled to a private file under DATA_DIR/imports. A file that cannot be imported at all (no email
 *    column, not CSV, malformed) is refused with a 4xx before anything is stored.
 * 2. contact-imports.service.ts then stores the import (its totals and per-row error report, and the file
 *    itself) and queues its job in one transaction, and the request answers 303 to the progress page.
 * 3. The job reads the stored file again through contactRows(), validated the same way, and upserts the
 *    valid rows in chunks, resuming after a restart from the last committed chunk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import busboy from 'busboy';
import { CsvError, parse } from 'csv-parse';
import type { Request } from 'express';
import { isCsrfTokenValid } from '../../web/middleware/csrf';
import {
  HeaderProblem, isBlankRow, mapHeader, validateRow, detectDelimiter,
  type ColumnMapping, type FileProblemCode, type RowProblem, type RowResult,
} from './contacts-csv';

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_REPORTED_ERRORS = 1000;
/** A row longer than this is almost always a quote that was never closed. */
const MAX_RECORD_BYTES = 64 * 1024;
/**
 * A spooled file lives only while its upload is read and stored; one older than this was left by a
 * process that stopped mid-upload, and holds personal data.
 */
const SPOOL_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export type UploadProblemCode = FileProblemCode | 'csrf' | 'not_multipart' | 'malformed_upload' | 'no_file' | 'empty'
  | 'no_rows' | 'too_large' | 'not_utf8' | 'spreadsheet' | 'not_text' | 'malformed_quote' | 'malformed_long' | 'malformed';

/** The upload cannot be imported at all; nothing was stored. */
export class UploadRejected extends Error {
  constructor(readonly status: number, readonly code: UploadProblemCode, readonly vars: Record<string, string | number> = {}) {
    super(code);
  }
}

export interface CsvInspection {
  mapping: ColumnMapping;
  total: number;
  failed: number;
  errors: RowProblem[];
}

export interface ReceivedUpload {
  fileName: string;
  spoolPath: string;
  inspection: CsvInspection;
  /** The clock the rows were validated with; the import validates them again with the same one. */
  now: Date;
}

/** Refuses, chunk by chunk, what is not UTF-8 text within the size limit, and copies what passes to `spool`. */
async function* checkedChunks(source: Readable, spool: fs.WriteStream | null, maxBytes: number): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  // Not destroyed when we stop early: busboy waits for the file stream to end, so a refused file is drained instead.
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    if (bytes === 0) {
      // ZIP (xlsx, ods) and OLE2 (xls) signatures: a workbook saved as is, not as CSV.
      if (chunk.subarray(0, 4).equals(Buffer.from('504b0304', 'hex')) || chunk.subarray(0, 4).equals(Buffer.from('d0cf11e0', 'hex'))) {
        throw new UploadRejected(415, 'spreadsheet');
      }
      // UTF-16 byte order marks (Excel's "Unicode text").
      if (chunk[0] === 0xff && chunk[1] === 0xfe || chunk[0] === 0xfe && chunk[1] === 0xff) throw new UploadRejected(415, 'not_utf8');
    }
    bytes += chunk.length;
    if (bytes > maxBytes) throw new UploadRejected(413, 'too_large', { max: Math.round(maxBytes / 1024 / 1024) });
    if (chunk.includes(0)) throw new UploadRejected(415, 'not_text');
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw new UploadRejected(415, 'not_utf8');
    }
    if (spool && !spool.write(chunk)) await once(spool, 'drain');
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw new UploadRejected(415, 'not_utf8');
  }
}

const TERMINATED_LINE = /\S[^\r\n]*[\r\n]/;

function firstLine(text: string): string {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
}

async function* replay(head: Buffer[], rest: AsyncIterator<Buffer> | null): AsyncGenerator<Buffer> {
  try {
    yield* head;
    while (rest) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest?.return?.();
  }
}

function malformed(err: CsvError): UploadRejected {
  // csv-parse counts the records it completed before the one it could not read (blank lines included).
  const row = (typeof err.records === 'number' ? err.records : 0) + 1;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_INVALID_CLOSING_QUOTE') return new UploadRejected(400, 'malformed_quote', { row });
  if (err.code === 'CSV_MAX_RECORD_SIZE') return new UploadRejected(400, 'malformed_long', { row, max: MAX_RECORD_BYTES / 1024 });
  return new UploadRejected(400, 'malformed', { row });
}

/**
 * The records of a CSV file, numbered as a spreadsheet numbers rows (the first line is row 1, blank lines
 * count). The delimiter is detected from the first non-blank line.
 */
async function* csvRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ row: number; fields: string[] }> {
  const source = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < MAX_RECORD_BYTES && !TERMINATED_LINE.test(Buffer.concat(head).toString('utf8'))) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const delimiter = detectDelimiter(firstLine(Buffer.concat(head).toString('utf8')));
  const parser = parse({ delimiter, bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES, skip_empty_lines: false });
  const input = Readable.from(replay(head, ended ? null : source), { objectMode: false });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let row = 0;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      row++;
      yield { row, fields };
    }
  } catch (err) {
    throw err instanceof CsvError ? malformed(err) : err;
  } finally {
    input.destroy();
  }
}

export type CsvEvent = { kind: 'header'; mapping: ColumnMapping } | { kind: 'row'; result: RowResult };

/**
 * The header's mapping, then each data row validated. The upload's inspection and the import job both
 * read the file through this, so they agree row for row, and a resumed job meets the same rows in the same order.
 */
export async function* contactRows(chunks: AsyncIterable<Buffer>, now: Date): AsyncGenerator<CsvEvent> {
  let mapping: ColumnMapping | null = null;
  const seen = new Map<string, number>();
  for await (const { row, fields } of csvRows(chunks)) {
    if (isBlankRow(fields)) continue;
    if (!mapping) {
      try {
        mapping = mapHeader(fields);
      } catch (err) {
        throw err instanceof HeaderProblem ? new UploadRejected(400, err.code, err.vars) : err;
      }
      yield { kind: 'header', mapping };
      continue;
    }
    yield { kind: 'row', result: validateRow(fields, row, mapping, seen, now) };
  }
}

async function inspectRows(chunks: AsyncIterable<Buffer>, now: Date): Promise<CsvInspection> {
  let mapping: ColumnMapping | null = null;
  let total = 0;
  let failed = 0;
  const errors: RowProblem[] = [];
  for await (const event of contactRows(chunks, now)) {
    if (event.kind === 'header') {
      mapping = event.mapping;
      continue;
    }
    total++;
    if (!event.result.ok) {
      failed++;
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(event.result.problem);
    }
  }
  if (!mapping) throw new UploadRejected(400, 'empty');
  if (total === 0) throw new UploadRejected(400, 'no_rows');
  return { mapping, total, failed, errors };
}

async function spoolAndInspect(stream: Readable, fileName: string, spoolPath: string, opts: UploadOptions): Promise<ReceivedUpload> {
  const spool = fs.createWriteStream(spoolPath, { flags: 'wx', mode: 0o600 });
  // Write errors reach the awaits below (drain, finished); this listener only keeps one that comes after
  // we stopped listening (a write still in flight when a refused upload destroys the stream) from
  // being an unhandled 'error' event.
  spool.on('error', () => undefined);
  try {
    const inspection = await inspectRows(checkedChunks(stream, spool, opts.maxBytes), opts.now);
    spool.end();
    await finished(spool);
    return { fileName, spoolPath, inspection, now: opts.now };
  } catch (err) {
    // The file may still be opening: remove it only once the stream is closed, or it would appear afterwards.
    // Waiting must not fail: destroying a stream with a write in flight reports that write as an error,
    // and the file has to go all the same (it holds personal data).
    const closed = spool.closed ? Promise.resolve() : new Promise<void>((resolve) => spool.once('close', () => resolve()));
    spool.destroy();
    await closed;
    await fs.promises.rm(spoolPath, { force: true });
    throw err;
  }
}

async function removeStaleSpools(dir: string): Promise<void> {
  for (const name of await fs.promises.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > SPOOL_MAX_AGE_MS) await fs.promises.rm(file, { force: true });
  }
}

export interface UploadOptions {
  spoolDir: string;
  maxBytes: number;
  /** The import's clock: "unsubscribed: yes" means this instant, and no date may be later. */
  now: Date;
}

/**
 * Reads a multipart upload whose `_csrf` field comes before its `file`: refuses it (403) when the token is
 * not the session's, before reading the file; otherwise spools and inspects the file as it arrives.
 */
export async function receiveContactsUpload(req: Request, opts: UploadOptions): Promise<ReceivedUpload> {
  if (!req.is('multipart/form-data')) throw new UploadRejected(415, 'not_multipart');
  let form: busboy.Busboy;
  try {
    form = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { files: 1, fields: 5, parts: 6, fieldSize: 1024, fileSize: opts.maxBytes + 1 },
    });
  } catch {
    throw new UploadRejected(415, 'not_multipart');
  }
  await fs.promises.mkdir(opts.spoolDir, { recursive: true, mode: 0o700 });
  await removeStaleSpools(opts.spoolDir);
  const spoolPath = path.join(opts.spoolDir, `${crypto.randomUUID()}.csv`);

  let csrfValid = false;
  // Set in the event handlers below; declared this way so the compiler does not assume they stay null.
  let refused = null as UploadRejected | null;
  let work = null as Promise<ReceivedUpload> | null;
  const done = new Promise<void>((resolve, reject) => {
    form.on('field', (name: string, value: string) => {
      if (name === '_csrf') csrfValid = isCsrfTokenValid(req, value);
    });
    form.on('file', (name: string, stream: Readable, info: busboy.FileInfo) => {
      if (work || refused || name !== 'file') return void stream.resume();
      if (!csrfValid) refused = new UploadRejected(403, 'csrf');
      else if (!info.filename) refused = new UploadRejected(400, 'no_file');
      if (refused) return void stream.resume();
      work = spoolAndInspect(stream, (info.filename ?? '').slice(0, 255), spoolPath, opts);
      // Whatever went wrong, read the rest of the file so the request ends and the page can be sent.
      work.catch(() => stream.resume());
    });
    form.on('close', resolve);
    form.on('error', reject);
  });
  // A client that goes away mid-upload must not leave the request waiting forever.
  req.on('close', () => {
    if (!req.complete) form.destroy(new Error('upload aborted'));
  });
  req.pipe(form);
  try {
    await done;
  } catch {
    req.unpipe(form);
    req.resume();
    // The form broke after its file: a file spooled in full is not imported, so it goes too.
    const spooled = await work?.catch(() => null);
    if (spooled) await fs.promises.rm(spooled.spoolPath, { force: true });
    throw new UploadRejected(400, 'malformed_upload');
  }
  if (refused) throw refused;
  if (!work) throw new UploadRejected(400, 'no_file');
  return work;
}
