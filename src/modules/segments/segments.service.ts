import type { DataSource } from 'typeorm';
import { DomainError } from '../../domain-error';
import { dimensionId, getSegmentDimensions, SEGMENT_FOLD_LOCK, type SegmentDimension } from '../metrics';
import { listKnownDimensionKeys, type KnownDimensionKeys } from './queries/listKnownDimensionKeys';

/** The segment dimensions an admin chooses in Settings (issue 16): contact attributes and hidden fields of links. */
export const MAX_ATTRIBUTE_DIMENSIONS = 5;
export const MAX_HIDDEN_DIMENSIONS = 3;
const KEY = /^[A-Za-z0-9_.-]{1,40}$/;

export interface DimensionChoice { attributes: string[]; hidden: string[] }

export async function getDimensionSettings(db: DataSource): Promise<{ chosen: SegmentDimension[]; known: KnownDimensionKeys }> {
  const [chosen, known] = await Promise.all([getSegmentDimensions(db), listKnownDimensionKeys(db)]);
  return { chosen, known };
}

function invalid(path: string, message: string, messageKey: 'dimensions.err.tooManyAttributes' | 'dimensions.err.tooManyHidden' | 'dimensions.err.unknownAttribute' | 'dimensions.err.unknownHidden' | 'dimensions.err.badKey', vars: Record<string, string> = {}): DomainError {
  return new DomainError('invalid', message, { details: [{ path, message }], messageKey, messageVars: vars });
}

/**
 * Saves the chosen dimensions. Limits (5 attributes, 3 hidden fields) and known keys (those the form
 * offers) are checked under the segment fold lock; a new dimension starts stale and the segment folder
 * counts its past answers (a job: choosing never waits for 10 M answers); a removed one loses its rollups here
 * (their size depends on keys and days, not on answers). Order is kept as given. Returns the ids added.
 */
export async function saveSegmentDimensions(db: DataSource, input: DimensionChoice): Promise<{ added: string[]; removed: string[] }> {
  const attributes = [...new Set(input.attributes)];
  const hidden = [...new Set(input.hidden)];
  for (const [source, keys] of [['attribute', attributes], ['hidden', hidden]] as const) {
    const bad = keys.find((k) => !KEY.test(k));
    if (bad !== undefined) throw invalid(source === 'attribute' ? 'attributes' : 'hidden', `"${bad}" is not a valid key`, 'dimensions.err.badKey', { key: bad });
  }
  if (attributes.length > MAX_ATTRIBUTE_DIMENSIONS) throw invalid('attributes', `At most ${MAX_ATTRIBUTE_DIMENSIONS} contact attributes`, 'dimensions.err.tooManyAttributes');
  if (hidden.length > MAX_HIDDEN_DIMENSIONS) throw invalid('hidden', `At most ${MAX_HIDDEN_DIMENSIONS} hidden fields`, 'dimensions.err.tooManyHidden');
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [SEGMENT_FOLD_LOCK]);
    const known = await listKnownDimensionKeys(tx);
    const unknownAttribute = attributes.find((k) => !known.attributes.includes(k));
    if (unknownAttribute !== undefined) throw invalid('attributes', `No contact has the attribute "${unknownAttribute}"`, 'dimensions.err.unknownAttribute', { key: unknownAttribute });
    const unknownHidden = hidden.find((k) => !known.hidden.includes(k));
    if (unknownHidden !== undefined) throw invalid('hidden', `No answer has the hidden field "${unknownHidden}"`, 'dimensions.err.unknownHidden', { key: unknownHidden });
    const before = (await getSegmentDimensions(tx)).map((d) => d.id);
    const wanted = [...attributes.map((k) => ({ source: 'attribute' as const, key: k })), ...hidden.map((k) => ({ source: 'hidden' as const, key: k }))];
    const wantedIds = wanted.map((w) => dimensionId(w.source, w.key));
    const removed = before.filter((id) => !wantedIds.includes(id));
    const added = wantedIds.filter((id) => !before.includes(id));
    if (removed.length > 0) {
      await tx.query(`DELETE FROM segment_dimensions WHERE source || ':' || key = ANY($1)`, [removed]);
      await tx.query(`DELETE FROM segment_score_cum WHERE dimension = ANY($1)`, [removed]);
      await tx.query(`DELETE FROM segment_kind_cum WHERE dimension = ANY($1)`, [removed]);
      await tx.query(`DELETE FROM segment_rollup_delta WHERE dimension = ANY($1)`, [removed]);
    }
    const positions = (keys: string[]) => keys.map((_, i) => i);
    await tx.query(
      `INSERT INTO segment_dimensions (source, key, position)
       SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[])
       ON CONFLICT (source, key) DO UPDATE SET position = EXCLUDED.position`,
      [wanted.map((w) => w.source), wanted.map((w) => w.key), [...positions(attributes), ...positions(hidden)]]);
    return { added, removed };
  });
}
