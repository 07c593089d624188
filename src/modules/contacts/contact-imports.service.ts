/**
 * Contact imports: stored and queued by the upload, run by the `contact-import` job (src/jobs).
 *
 * The import is resumable and counts every row exactly once: each chunk of rows is upserted and the
 * import's `processed` count moved forward in one transaction, which only commits if `processed` is still
 * what this run last saw. A run that starts (a retry after a crash, the next job after a pause) reads the
 * stored file again from the top — so duplicates within the file are recognised as on upload — and skips
 * the rows already committed. Two runs of the same import cannot both commit a chunk: the second finds
 * `processed` moved and stops.
 */
import fs from 'node:fs';
import type { DataSource } from 'typeorm';
import type { AppDeps } from '../../deps';
import { enqueueContactImport } from '../../jobs/queue';
import type { Logger } from '../../logger';
import type { ImportContact } from './contacts-csv';
import { contactRows, type ReceivedUpload } from './contacts-import';
import { getImportFilePart } from './queries/getImportFilePart';
import { getImportProgress } from './queries/getImportProgress';

/** Rows per chunk: one upsert statement, one commit, one step of progress. */
export const IMPORT_CHUNK_ROWS = 1000;
/** The stored file's parts: read back one at a time, so memory stays flat. */
const FILE_PART_BYTES = 256 * 1024;

/**
 * Stores the import (totals, error report, column mapping), the spooled file and the import's job in one
 * transaction: an import exists with its file and its job, or not at all. The spooled file is removed.
 */
export async function startContactImport({ db, queue }: Pick<AppDeps, 'db' | 'queue'>, userId: string, upload: ReceivedUpload): Promise<string> {
  try {
    const boss = await queue.start();
    const { inspection } = upload;
    const qr = db.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const [{ id }]: Array<{ id: string }> = await qr.query(
        `INSERT INTO contact_imports (user_id, file_name, total, failed, errors, columns, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [userId, upload.fileName, inspection.total, inspection.failed, JSON.stringify(inspection.errors),
          JSON.stringify(inspection.mapping.columns), upload.now],
      );
      let part = 0;
      for await (const data of fs.createReadStream(upload.spoolPath, { highWaterMark: FILE_PART_BYTES }) as AsyncIterable<Buffer>) {
        await qr.query(`INSERT INTO contact_import_files (import_id, part, data) VALUES ($1, $2, $3)`, [id, part++, data]);
      }
      await enqueueContactImport(boss, id, qr);
      await qr.commitTransaction();
      return id;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction();
      throw err;
    } finally {
      await qr.release();
    }
  } finally {
    await fs.promises.rm(upload.spoolPath, { force: true });
  }
}

/** The stored file, a part at a time. */
async function* storedFile(db: DataSource, importId: string): AsyncGenerator<Buffer> {
  for (let part = 0; ; part++) {
    const data = await getImportFilePart(db, importId, part);
    if (!data) return;
    yield data;
  }
}

/**
 * Upserts one chunk by email (case-insensitive) and moves the import's counts forward, in one statement,
 * committed only if the import is still running at `processedBefore` (else rolled back: false).
 * Empty cells change nothing: a name or locale is only replaced by a given one, attributes are merged,
 * and an unsubscribed contact stays unsubscribed. Rows that would not change are left alone ("unchanged").
 * A contact created without a locale gets the organisation's default language. Contacts are locked (in
 * email order, so two imports never wait on each other in a circle) before the import's row, the order
 * erasing a contact takes them in too.
 */
async function commitChunk(db: DataSource, importId: string, chunk: ImportContact[], rows: number, processedBefore: number): Promise<boolean> {
  const sorted = [...chunk].sort((a, b) => (a.email.toLowerCase() < b.email.toLowerCase() ? -1 : 1));
  const input = sorted.map((c) => ({ email: c.email, name: c.name, locale: c.locale, attributes: c.attributes, unsubscribed_at: c.unsubscribedAt }));
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const advanced: unknown[] = await qr.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(email text, name text, locale text, attributes jsonb, unsubscribed_at timestamptz)
       ), with_locale AS (
         INSERT INTO contacts AS c (email, name, locale, attributes, unsubscribed_at)
         SELECT email, name, locale, attributes, unsubscribed_at FROM input WHERE locale IS NOT NULL
         ON CONFLICT ((lower(email))) DO UPDATE SET
           name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE c.name END,
           locale = EXCLUDED.locale,
           attributes = c.attributes || EXCLUDED.attributes,
           unsubscribed_at = coalesce(c.unsubscribed_at, EXCLUDED.unsubscribed_at),
           updated_at = now()
         WHERE (CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE c.name END, EXCLUDED.locale, c.attributes || EXCLUDED.attributes,
                coalesce(c.unsubscribed_at, EXCLUDED.unsubscribed_at)) IS DISTINCT FROM (c.name, c.locale, c.attributes, c.unsubscribed_at)
         RETURNING (xmax = 0) AS created
       ), without_locale AS (
         INSERT INTO contacts AS c (email, name, locale, attributes, unsubscribed_at)
         SELECT email, name, (SELECT default_locale FROM settings WHERE id = 1), attributes, unsubscribed_at FROM input WHERE locale IS NULL
         ON CONFLICT ((lower(email))) DO UPDATE SET
           name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE c.name END,
           attributes = c.attributes || EXCLUDED.attributes,
           unsubscribed_at = coalesce(c.unsubscribed_at, EXCLUDED.unsubscribed_at),
           updated_at = now()
         WHERE (CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE c.name END, c.attributes || EXCLUDED.attributes,
                coalesce(c.unsubscribed_at, EXCLUDED.unsubscribed_at)) IS DISTINCT FROM (c.name, c.attributes, c.unsubscribed_at)
         RETURNING (xmax = 0) AS created
       ), counted AS (
         SELECT count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS updated
         FROM (SELECT created FROM with_locale UNION ALL SELECT created FROM without_locale) r
       ), advanced AS (
         UPDATE contact_imports i SET processed = i.processed + $2, created = i.created + counted.created,
           updated = i.updated + counted.updated, updated_at = now()
         FROM counted WHERE i.id = $3 AND i.status = 'running' AND i.processed = $4
         RETURNING i.id
       )
       SELECT id FROM advanced`,
      [JSON.stringify(input), rows, importId, processedBefore],
    );
    if (advanced.length === 0) {
      await qr.rollbackTransaction();
      return false;
    }
    await qr.commitTransaction();
    return true;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

/** Marks the import done if it is still running at `processed`, and drops its stored file. */
async function finishContactImport(db: DataSource, importId: string, processed: number): Promise<Record<string, number> | null> {
  return db.transaction(async (tx) => {
    const rows: Array<Record<string, number>> = await tx.query(
      `WITH finished AS (
         UPDATE contact_imports SET status = 'done', finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'running' AND processed = $2
         RETURNING total, created, updated, failed
       ) SELECT * FROM finished`, [importId, processed]);
    if (rows.length > 0) await tx.query(`DELETE FROM contact_import_files WHERE import_id = $1`, [importId]);
    return rows[0] ?? null;
  });
}

/**
 * `paused` when the run stopped early (the caller queues the rest), `done` when the last row is committed,
 * `not_running` when there was nothing (more) for this run to do: the import had ended, or another run
 * of it committed first.
 */
export type ContactImportRun = 'done' | 'paused' | 'not_running';

export interface ContactImportRunOptions {
  /** Pause after the first chunk committed from this time on (epoch ms); a run always commits at least one. */
  pauseAfter: number;
  /** Pause as soon as possible: after the chunk in hand, or while still skipping the rows committed before. */
  signal: AbortSignal;
  logger: Logger;
}

/** Runs an import from its last committed chunk, until it is done or pauses. */
export async function runContactImport(db: DataSource, importId: string, opts: ContactImportRunOptions): Promise<ContactImportRun> {
  const progress = await getImportProgress(db, importId);
  if (!progress || progress.status !== 'running') return 'not_running';
  let processed = progress.processed;
  let rowsRead = 0;
  let chunk: ImportContact[] = [];
  let chunkRows = 0;
  const commit = async (): Promise<boolean> => {
    if (!(await commitChunk(db, importId, chunk, chunkRows, processed))) return false;
    processed += chunkRows;
    chunk = [];
    chunkRows = 0;
    return true;
  };
  for await (const event of contactRows(storedFile(db, importId), progress.startedAt)) {
    if (event.kind !== 'row') continue;
    rowsRead++;
    if (rowsRead <= processed) {
      // Committed by an earlier run; read all the same, so duplicates of these rows are still recognised.
      if (rowsRead % IMPORT_CHUNK_ROWS === 0 && opts.signal.aborted) return 'paused';
      continue;
    }
    chunkRows++;
    if (event.result.ok) chunk.push(event.result.contact);
    if (chunkRows === IMPORT_CHUNK_ROWS) {
      if (!(await commit())) return 'not_running';
      if (opts.signal.aborted || Date.now() >= opts.pauseAfter) return 'paused';
    }
  }
  if (rowsRead !== progress.total) throw new Error(`The stored file has ${rowsRead} rows; its upload counted ${progress.total}`);
  if (chunkRows > 0 && !(await commit())) return 'not_running';
  const counts = await finishContactImport(db, importId, processed);
  if (!counts) return 'not_running';
  opts.logger.info({ importId, ...counts }, 'contact import done');
  return 'done';
}

/**
 * Ends a running import as failed ('error': it kept failing; 'interrupted': its every attempt was cut off)
 * and drops its stored file. The rows committed so far stay. False when it was not running.
 */
export async function failContactImport(db: DataSource, importId: string, message: 'error' | 'interrupted'): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows: unknown[] = await tx.query(
      `WITH failed AS (
         UPDATE contact_imports SET status = 'failed', message = $2, finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'running' RETURNING id
       ) SELECT id FROM failed`, [importId, message]);
    await tx.query(`DELETE FROM contact_import_files WHERE import_id = $1`, [importId]);
    return rows.length > 0;
  });
}
