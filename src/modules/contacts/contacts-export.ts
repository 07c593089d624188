import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DataSource } from 'typeorm';
import { toZonedIso } from '../../time';
import type { Cursor } from '../../web/params';
import type { ContactFilter } from './queries/contactFilter';
import { listAttributeKeys } from './queries/listAttributeKeys';
import { listContactsPage } from './queries/listContactsPage';

const EXPORT_BATCH = 1000;

/**
 * Streams the filtered contacts as CSV: UTF-8 with a byte order mark (so Excel shows Vietnamese), one
 * column per attribute key, every cell safe against formula injection (csv-stringify's `escape_formulas`
 * puts a single quote before a leading = + - @, tab or CR; the import takes it off again). Read a batch
 * at a time by keyset, written with backpressure, so memory stays flat however many contacts there are.
 * The file imports back as it is (the importer reads unsubscribed_at and ignores created_at).
 */
export async function writeContactsCsv(db: DataSource, filter: ContactFilter, timeZone: string, out: Writable): Promise<void> {
  const keys = await listAttributeKeys(db, filter);
  const csv = stringify({ bom: true, escape_formulas: true });
  const written = pipeline(csv, out);
  // Awaited below; until then a client that goes away must not count as an unhandled rejection.
  written.catch(() => undefined);
  const write = async (cells: string[]) => {
    // A closed download rejects `written`, which ends the loop instead of waiting for a drain that never comes.
    if (!csv.write(cells)) await Promise.race([once(csv, 'drain'), written]);
  };
  try {
    await write(['email', 'name', 'locale', ...keys, 'unsubscribed_at', 'created_at']);
    let cursor: Cursor | null = null;
    do {
      const page = await listContactsPage(db, filter, cursor, EXPORT_BATCH);
      for (const c of page.items) {
        await write([
          c.email, c.name, c.locale,
          ...keys.map((k) => (c.attributes[k] === undefined ? '' : String(c.attributes[k]))),
          c.unsubscribedAt ? toZonedIso(c.unsubscribedAt, timeZone) : '',
          toZonedIso(c.createdAt, timeZone),
        ]);
      }
      cursor = page.nextCursor;
    } while (cursor);
    csv.end();
  } catch (err) {
    csv.destroy(err as Error);
  }
  await written;
}
