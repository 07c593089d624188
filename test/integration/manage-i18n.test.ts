import fs from 'node:fs';
import path from 'node:path';
import { manageMessages } from '../../src/i18n/messages/manage';
import { t, type MessageKey } from '../../src/i18n';

/**
 * The management views name their strings by key, which the compiler cannot check: every key they use
 * must exist in both languages, and no view may bypass escaping with a triple-stash.
 */
const VIEWS = path.join(__dirname, '../../views/manage');
const MINE = ['journey', 'stage-form', 'touchpoint-form', 'targets', 'surveys', 'survey', 'survey-form', 'settings', 'users', 'user-form', 'user-created', 'api-keys', 'api-key-created'];

describe('management views', () => {
  const sources = MINE.map((name) => ({ name, text: fs.readFileSync(path.join(VIEWS, `${name}.hbs`), 'utf8') }));

  test('every {{t "key"}} exists in Vietnamese and English', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { name, text } of sources) {
      for (const [, key] of text.matchAll(/\(?t "([^"]+)"/g)) {
        checked++;
        for (const locale of ['vi', 'en'] as const) {
          let value = '';
          try {
            value = t(locale, key as MessageKey);
          } catch {
            value = '';
          }
          if (!value) missing.push(`${name}: ${key} (${locale})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  test('no view writes unescaped output', () => {
    expect(sources.filter((s) => s.text.includes('{{{')).map((s) => s.name)).toEqual([]);
  });

  test('every message is written in both languages', () => {
    const empty = Object.entries(manageMessages).filter(([, v]) => !v.vi.trim() || !v.en.trim()).map(([k]) => k);
    expect(empty).toEqual([]);
  });
});
